// The .NET half of sdkgen (see ../main.go): Pulumi moved its .NET generator out of pkg/v3,
// and the module proxy serves no release of the new home, so this one is built from the
// newest pkg/v3 that still has it (the one pulumi-yaml v1.10.0 is built with).
//
//	dotnet SCHEMA.json OUT_DIR LOGO.png
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: dotnet SCHEMA.json OUT_DIR LOGO.png"))
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		fail(err)
	}
	pkg, err := schema.ImportSpec(spec, nil)
	if err != nil {
		fail(err)
	}
	// The generator downloads the package logo from the schema's logoUrl (the repository on
	// GitHub); it gets the file in this checkout instead.
	logo, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail(err)
	}
	http.DefaultTransport.(*http.Transport).RegisterProtocol("local", local(logo))
	pkg.LogoURL = "local:///logo.png"
	files, err := dotnet.GeneratePackage("rcl-sdkgen", pkg, nil, nil)
	if err != nil {
		fail(err)
	}
	for name, content := range files {
		path := filepath.Join(os.Args[2], "dotnet", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = os.WriteFile(path, content, 0o644)
		}
		if err != nil {
			fail(err)
		}
	}
}

type local []byte

func (logo local) RoundTrip(request *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Body:       io.NopCloser(bytes.NewReader(logo)),
		Request:    request,
	}, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sdkgen (dotnet):", err)
	os.Exit(1)
}
