// sdkgen writes the Python, Node.js and Go SDKs of the rcl package from its schema with
// Pulumi's own code generators (the ones `pulumi package gen-sdk` hands to language hosts).
//
//	sdkgen SCHEMA.json OUT_DIR
//
// Each SDK goes to OUT_DIR/<language>; .NET has its own generator in ./dotnet.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "rcl-sdkgen"

var generators = map[string]func(*schema.Package) (map[string][]byte, error){
	"python": func(pkg *schema.Package) (map[string][]byte, error) {
		files, err := python.GeneratePackage(tool, pkg, nil, standalone{})
		// pyproject.toml names a README beside it; the generator writes it into the package.
		if readme, ok := files["pulumi_rcl/README.md"]; ok {
			files["README.md"] = readme
		}
		return files, err
	},
	"nodejs": func(pkg *schema.Package) (map[string][]byte, error) {
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, standalone{})
	},
	"go": func(pkg *schema.Package) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, pkg, nil)
	},
}

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: sdkgen SCHEMA.json OUT_DIR"))
	}
	for language, generate := range generators {
		// Binding annotates the package per language, so each generator gets its own.
		pkg, err := bind(os.Args[1])
		if err != nil {
			fail(err)
		}
		files, err := generate(pkg)
		if err != nil {
			fail(fmt.Errorf("%s: %w", language, err))
		}
		if err := write(filepath.Join(os.Args[2], language), files); err != nil {
			fail(err)
		}
	}
}

func bind(path string) (*schema.Package, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pkg, diags, err := schema.BindSpec(spec, standalone{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

// standalone is the loader of a schema that references no other package.
type standalone struct{}

func (standalone) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the rcl schema references no other package (asked for %s)", name)
}

func (l standalone) LoadPackageV2(
	_ context.Context, descriptor *schema.PackageDescriptor,
) (*schema.Package, error) {
	return l.LoadPackage(descriptor.Name, nil)
}

func (l standalone) LoadPackageReference(name string, v *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the rcl schema references no other package (asked for %s)", name)
}

func (l standalone) LoadPackageReferenceV2(
	_ context.Context, descriptor *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(descriptor.Name, nil)
}

func write(root string, files map[string][]byte) error {
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sdkgen:", err)
	os.Exit(1)
}
