// Package readme holds the test that runs README.md: every shell block, in
// order, verbatim, against the sandbox (see readme_test.go for the
// conventions a block follows).
package readme
