package report_test

import (
	"os"
	"testing"

	"github.com/insyn/insyn/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
