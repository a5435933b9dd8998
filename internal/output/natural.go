package output

import "strings"

// NaturalLess orders strings as people count: runs of digits by their
// value, so "101" comes before "1000" and "desk2" before "desk10"; other
// text case-insensitively, ties broken by the bytes.
func NaturalLess(a, b string) bool {
	if c := naturalCompare(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		switch {
		case da && db:
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) - len(tb)
			}
			if c := strings.Compare(ta, tb); c != 0 {
				return c
			}
			a, b = ra, rb
		case da != db:
			if da {
				return -1 // digits before letters, as in ASCII
			}
			return 1
		default:
			ca, cb := lower(a[0]), lower(b[0])
			if ca != cb {
				return int(ca) - int(cb)
			}
			a, b = a[1:], b[1:]
		}
	}
	return len(a) - len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func digitRun(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}
