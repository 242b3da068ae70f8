//go:build race

package dag

// slowdown scales the time limits of tests: the race detector makes this
// package's code about ten times slower.
const slowdown = 10
