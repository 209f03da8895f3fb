//go:build !faultinject

package runtime

// faultPoint marks a step of create where a test kills gorunc to check
// that nothing is left behind (tests/integration/faults_test.go). In this,
// the production build, it does nothing: the fault points exist only in a
// binary built with `-tags faultinject` (fault_inject.go; `make
// integration` builds one as bin/gorunc-fault).
func faultPoint(string) {}
