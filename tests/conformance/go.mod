// Wrapper module for the OCI runtime-tools validation suite (conformance tier).
// runtime-tools v0.9.0 has no go.mod: its dependencies are pinned here to the
// revisions in its Godeps/Godeps.json where the Go proxy has them (tagged
// versions closest to them otherwise). A separate module from gorunc's.
// Do not `go mod tidy`: the validation programs are main packages that no file
// here can import, so tidy would drop some of their dependencies (urfave/cli).
// run.sh builds with -mod=readonly.
module github.com/gorunc/gorunc/tests/conformance

go 1.23.0

require (
	github.com/blang/semver v3.5.0+incompatible // indirect
	github.com/hashicorp/errwrap v1.0.0 // indirect
	github.com/hashicorp/go-multierror v1.0.0 // indirect
	github.com/mndrix/tap-go v0.0.0-20171203230836-629fa407e90b // indirect
	github.com/mrunalp/fileutils v0.5.0 // indirect
	github.com/opencontainers/runtime-spec v1.0.2 // indirect
	github.com/opencontainers/runtime-tools v0.9.0 // indirect
	github.com/opencontainers/selinux v1.6.0 // indirect
	github.com/satori/go.uuid v1.2.0 // indirect
	github.com/sirupsen/logrus v1.0.4 // indirect
	github.com/syndtr/gocapability v0.0.0-20200815063812-42c35b437635 // indirect
	github.com/urfave/cli v1.19.1 // indirect
	github.com/xeipuuv/gojsonpointer v0.0.0-20190905194746-02993c407bfb // indirect
	github.com/xeipuuv/gojsonreference v0.0.0-20180127040603-bd5ef7bd5415 // indirect
	github.com/xeipuuv/gojsonschema v1.1.0 // indirect
	golang.org/x/crypto v0.35.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
	golang.org/x/term v0.29.0 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)
