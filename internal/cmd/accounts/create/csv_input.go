package create

import "io"

// InputRow is one account of a --from-file CSV: as written, and where.
type InputRow struct{ Username, Domain, Where string }

// ReadCSV reads a --from-file CSV as `accounts create` does (a header with
// a username and an optional domain column, "-" for stdin), every problem
// at once, so `accounts delete --from-file` takes the same files.
func ReadCSV(stdin io.Reader, path string) ([]InputRow, error) {
	rows, err := readCSV(stdin, path)
	out := make([]InputRow, len(rows))
	for i, r := range rows {
		out[i] = InputRow{Username: r.username, Domain: r.domain, Where: r.where}
	}
	return out, err
}
