package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocComments checks that the package is documented the way go doc shows it: the package
// comment starts "Package client", and every exported constant, variable, type, function,
// method and struct field has a doc comment that is a sentence starting with its name.
func TestDocComments(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	check := func(pos token.Pos, name string, doc *ast.CommentGroup) {
		t.Helper()
		text := strings.TrimSpace(doc.Text())
		switch {
		case doc == nil || text == "":
			t.Errorf("%s: %s has no doc comment", fset.Position(pos), name)
		case !strings.HasPrefix(text, name+" "):
			t.Errorf("%s: the doc comment of %s starts %q; start it with the name", fset.Position(pos), name, firstWords(text))
		case !strings.HasSuffix(text, "."):
			t.Errorf("%s: the doc comment of %s is not a sentence ending in a period", fset.Position(pos), name)
		}
	}
	packageDoc := false
	for _, f := range files {
		if f.Doc != nil {
			packageDoc = true
			check(f.Package, "Package client", f.Doc)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedReceiver(d.Recv)) {
					continue
				}
				check(d.Pos(), d.Name.Name, d.Doc)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						doc := s.Doc
						if doc == nil && len(d.Specs) == 1 {
							doc = d.Doc
						}
						check(s.Pos(), s.Name.Name, doc)
						if st, ok := s.Type.(*ast.StructType); ok {
							checkFields(st, check)
						}
					case *ast.ValueSpec:
						doc := s.Doc
						if doc == nil && len(d.Specs) == 1 {
							doc = d.Doc
						}
						for _, n := range s.Names {
							if n.IsExported() {
								check(n.Pos(), n.Name, doc)
							}
						}
					}
				}
			}
		}
	}
	if !packageDoc {
		t.Error("the package has no package comment")
	}
}

// checkFields checks the exported fields of a struct; an embedded field's name is its type's.
func checkFields(st *ast.StructType, check func(token.Pos, string, *ast.CommentGroup)) {
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			if id, ok := f.Type.(*ast.Ident); ok && id.IsExported() {
				check(f.Pos(), id.Name, f.Doc)
			}
			continue
		}
		if f.Names[0].IsExported() {
			check(f.Pos(), f.Names[0].Name, f.Doc)
		}
	}
}

func exportedReceiver(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

func firstWords(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
