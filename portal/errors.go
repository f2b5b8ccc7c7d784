package portal

import (
	"errors"
	"fmt"
)

// Code classifies an error for the reader: the web maps it to a status, the
// CLI to an exit code.
type Code string

const (
	Invalid   Code = "invalid"
	NotFound  Code = "not_found"
	Forbidden Code = "forbidden"
	Conflict  Code = "conflict"
	Internal  Code = "internal"
)

// Error is an application error that a person may read. MsgID is an i18n
// message id; Data fills its placeholders and never holds a personal id.
// Detail is an English sentence for logs and tests.
type Error struct {
	Code   Code
	MsgID  string
	Data   map[string]any
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail + ": " + e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an application error with an English detail.
func Errorf(code Code, msgID, format string, args ...any) *Error {
	return &Error{Code: code, MsgID: msgID, Detail: fmt.Sprintf(format, args...)}
}

// With adds message arguments.
func (e *Error) With(key string, v any) *Error {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	e.Data[key] = v
	return e
}

// ErrNotFound is wrapped by every "not found" the store returns.
var ErrNotFound = &Error{Code: NotFound, MsgID: "error.not_found", Detail: "not found"}

// ErrorCode returns the code of an application error, Internal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMsgID returns the message id to show, "error.internal" for any error
// that is not an application error.
func ErrorMsgID(err error) (string, map[string]any) {
	var e *Error
	if errors.As(err, &e) && e.MsgID != "" {
		return e.MsgID, e.Data
	}
	return "error.internal", nil
}
