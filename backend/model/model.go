// Package model holds the plain domain structs that every layer shares:
// the store reads and writes them, services pass them around, the UI shows
// them. It depends on the standard library only and owns no behaviour.
package model
