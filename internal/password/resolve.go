package password

// Resolve picks the policy a command uses: the --policy flag, else the
// profile's password_policy, else the provider's default.
func Resolve(flag, profileSpec, provider string) (Policy, error) {
	switch {
	case flag != "":
		return Parse(flag)
	case profileSpec != "":
		return Parse(profileSpec)
	}
	return Builtin(DefaultFor(provider))
}
