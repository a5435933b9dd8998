package set

import (
	"github.com/sipctl/sipctl/internal/password"
	"github.com/spf13/cobra"
)

func passwordPolicies() []cobra.Completion { return password.Names() }
