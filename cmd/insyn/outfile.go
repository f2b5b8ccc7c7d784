package main

import (
	"os"
	"path/filepath"
)

// outFile is a file written beside its target and renamed onto it at the
// end, so a failed run never leaves half an extract or report behind.
// What the commands write names patients or staff: os.CreateTemp makes the
// file readable by its owner only, and the rename keeps that.
type outFile struct {
	*os.File
	target string
	done   bool
}

// createBeside opens the temporary file in the target's folder (a rename
// is atomic only within one file system). pattern is os.CreateTemp's.
func createBeside(target, pattern string) (*outFile, error) {
	f, err := os.CreateTemp(filepath.Dir(target), pattern)
	if err != nil {
		return nil, err
	}
	return &outFile{File: f, target: target}, nil
}

// commit closes the file and puts it in the target's place.
func (f *outFile) commit() error {
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), f.target); err != nil {
		return err
	}
	f.done = true
	return nil
}

// discard removes the temporary file unless commit succeeded; deferred
// right after createBeside.
func (f *outFile) discard() {
	if f.done {
		return
	}
	f.Close()
	os.Remove(f.Name())
}
