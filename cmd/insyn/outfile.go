package main

import (
	"os"
	"path/filepath"

	"github.com/insyn/insyn/portal"
)

// outFile is a file written beside its target and renamed onto it at the
// end, so a failed run never leaves half an extract or report behind.
// What the commands write names patients or staff: os.CreateTemp makes the
// file readable by its owner only, and the rename keeps that.
type outFile struct {
	*os.File
	target string
	msgID  string // the command's "cannot write" message, with {{.File}}
	done   bool
}

// createBeside opens the temporary file in the target's folder (a rename
// is atomic only within one file system); pattern is os.CreateTemp's.
// Its errors, and commit's, say msgID with the target's name.
func createBeside(target, pattern, msgID string) (*outFile, error) {
	o := &outFile{target: target, msgID: msgID}
	f, err := os.CreateTemp(filepath.Dir(target), pattern)
	if err != nil {
		return nil, o.writeErr(err)
	}
	o.File = f
	return o, nil
}

// commit closes the file and puts it in the target's place.
func (o *outFile) commit() error {
	if err := o.Close(); err != nil {
		return o.writeErr(err)
	}
	if err := os.Rename(o.Name(), o.target); err != nil {
		return o.writeErr(err)
	}
	o.done = true
	return nil
}

// discard removes the temporary file unless commit succeeded; deferred
// right after createBeside.
func (o *outFile) discard() {
	if o.done {
		return
	}
	o.Close()
	os.Remove(o.Name())
}

func (o *outFile) writeErr(err error) error {
	return &portal.Error{Code: portal.Invalid, MsgID: o.msgID, Data: map[string]any{"File": termSafe(o.target)},
		Detail: "cannot write the output file", Err: err}
}
