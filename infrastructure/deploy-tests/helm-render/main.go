// Command helm-render renders a Helm chart as `helm template` does, with the
// engine Helm uses: Go's text/template and sprig's functions, plus Helm's own
// (include, tpl, required, toYaml, fromYaml, toJson, fromJson, lookup...).
// There is no helm binary on the build machines; Debian packages Go, sprig
// and sigs.k8s.io/yaml, so this builds offline in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-render main.go
//	helm-render [flags] RELEASE CHART_DIR
//
// What it does, in Helm's order: reads Chart.yaml and values.yaml, checks the
// chart's kubeVersion against --kube-version, merges the -f files (later ones
// win, maps merge) and coalesces them over values.yaml (maps merge, other
// values replace, null deletes the key), parses every file under templates/
// into one template set named <chart>/templates/<file> (missingkey=zero),
// executes each file whose name does not start with `_` (NOTES.txt neither),
// replaces "<no value>" with nothing, splits the output into YAML documents,
// checks that each parses, orders them by kind as Helm installs them, and
// prints them as `---\n# Source: <chart>/templates/<file>\n<document>`.
// Errors go to stderr as "Error: ..." with exit status 1.
//
// Not implemented: subcharts (charts/, dependencies), hooks (rendered as
// ordinary manifests), .helmignore, --set, toToml, values.schema.json (the
// TypeScript caller validates with ajv), Helm's strict/lint modes.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/semver"
	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

// chartMetadata is Chart.yaml, with the field names templates see as .Chart.
type chartMetadata struct {
	APIVersion   string                   `json:"apiVersion,omitempty"`
	Name         string                   `json:"name,omitempty"`
	Version      string                   `json:"version,omitempty"`
	KubeVersion  string                   `json:"kubeVersion,omitempty"`
	Description  string                   `json:"description,omitempty"`
	Type         string                   `json:"type,omitempty"`
	Keywords     []string                 `json:"keywords,omitempty"`
	Home         string                   `json:"home,omitempty"`
	Sources      []string                 `json:"sources,omitempty"`
	Icon         string                   `json:"icon,omitempty"`
	AppVersion   string                   `json:"appVersion,omitempty"`
	Deprecated   bool                     `json:"deprecated,omitempty"`
	Annotations  map[string]string        `json:"annotations,omitempty"`
	Condition    string                   `json:"condition,omitempty"`
	Tags         string                   `json:"tags,omitempty"`
	Maintainers  []map[string]interface{} `json:"maintainers,omitempty"`
	Dependencies []map[string]interface{} `json:"dependencies,omitempty"`
}

// kubeVersion is .Capabilities.KubeVersion; it prints as its Version.
type kubeVersion struct {
	Version    string
	Major      string
	Minor      string
	GitVersion string
}

func (k kubeVersion) String() string { return k.Version }

// apiVersions is .Capabilities.APIVersions: `.Capabilities.APIVersions.Has "apps/v1"`.
type apiVersions []string

func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
	HelmVersion map[string]string
}

// The built-in group versions of a current API server (Helm's default set
// comes from client-go's scheme); --api-versions adds more.
var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1",
	"apiregistration.k8s.io/v1", "apps/v1", "authentication.k8s.io/v1",
	"authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1",
	"certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1",
	"node.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
	"scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

// files is .Files: the chart's files outside templates/ and the files Helm
// reads itself (Chart.yaml, values.yaml, values.schema.json).
type files map[string][]byte

func (f files) GetBytes(name string) []byte { return f[name] }
func (f files) Get(name string) string      { return string(f[name]) }

// Glob: the files whose path matches pattern (path.Match; `**` is not special).
func (f files) Glob(pattern string) files {
	out := files{}
	for name, data := range f {
		if ok, _ := path.Match(pattern, name); ok {
			out[name] = data
		}
	}
	return out
}

func (f files) Lines(name string) []string {
	text := strings.TrimSuffix(string(f[name]), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func (f files) asMap(encode func([]byte) string) string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = encode(data)
	}
	return toYAML(m)
}

func (f files) AsConfig() string {
	return f.asMap(func(b []byte) string { return string(b) })
}

func (f files) AsSecrets() string {
	return f.asMap(func(b []byte) string { return base64.StdEncoding.EncodeToString(b) })
}

// ---- values

func readYAMLMap(file string) (map[string]interface{}, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	return m, nil
}

// mergeMaps merges b over a as `helm -f a -f b` does: maps merge, anything
// else (null included) replaces.
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce puts the chart's defaults under the user's values: a user map
// merges with the default map, any other user value replaces the default,
// and a user null deletes the key.
func coalesce(user, defaults map[string]interface{}, prefix string) map[string]interface{} {
	out := map[string]interface{}{}
	for k, dv := range defaults {
		uv, given := user[k]
		switch {
		case !given:
			out[k] = dv
		case uv == nil:
			// deleted
		default:
			um, uIsMap := uv.(map[string]interface{})
			dm, dIsMap := dv.(map[string]interface{})
			if uIsMap && dIsMap {
				out[k] = coalesce(um, dm, prefix+k+".")
			} else {
				if dIsMap && !uIsMap {
					fmt.Fprintf(os.Stderr, "warning: cannot overwrite table with non table for %s%s (%v)\n", prefix, k, dv)
				}
				out[k] = dropNulls(uv)
			}
		}
	}
	for k, uv := range user {
		if _, known := defaults[k]; !known && uv != nil {
			out[k] = dropNulls(uv)
		}
	}
	return out
}

// dropNulls removes the null-valued keys of maps (not list items).
func dropNulls(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := map[string]interface{}{}
		for k, x := range t {
			if x != nil {
				out[k] = dropNulls(x)
			}
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, x := range t {
			out[i] = dropNulls(x)
		}
		return out
	}
	return v
}

// ---- template functions

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

// funcMap: sprig's functions without env/expandenv, and Helm's, with
// include and tpl bound to the template set t.
func funcMap(t *template.Template, st *renderState) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml": toYAML,
		"mustToYaml": func(v interface{}) (string, error) {
			data, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(data), "\n"), err
		},
		"fromYaml": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := yaml.Unmarshal([]byte(s), &m); err != nil {
				m["Error"] = err.Error()
			}
			return m
		},
		"fromYamlArray": func(s string) []interface{} {
			var a []interface{}
			if err := yaml.Unmarshal([]byte(s), &a); err != nil {
				a = []interface{}{err.Error()}
			}
			return a
		},
		"toJson": toJSON,
		"mustToJson": func(v interface{}) (string, error) {
			data, err := json.Marshal(v)
			return string(data), err
		},
		"fromJson": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				m["Error"] = err.Error()
			}
			return m
		},
		"fromJsonArray": func(s string) []interface{} {
			var a []interface{}
			if err := json.Unmarshal([]byte(s), &a); err != nil {
				a = []interface{}{err.Error()}
			}
			return a
		},
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(msg)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		// helm template talks to no cluster: every lookup finds nothing
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"include": func(name string, data interface{}) (string, error) {
			st.depth[name]++
			defer func() { st.depth[name]-- }()
			if st.depth[name] > 1000 {
				return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
			}
			var buf strings.Builder
			err := t.ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"tpl": func(text string, data interface{}) (string, error) {
			c, err := t.Clone()
			if err != nil {
				return "", err
			}
			c.Funcs(funcMap(c, st))
			name := st.current
			if m, ok := data.(map[string]interface{}); ok {
				if tm, ok := m["Template"].(map[string]interface{}); ok {
					if n, ok := tm["Name"].(string); ok {
						name = n
					}
				}
			}
			if _, err := c.New(name).Parse(text); err != nil {
				return "", fmt.Errorf("cannot parse template %q: %v", text, err)
			}
			var buf strings.Builder
			if err := c.ExecuteTemplate(&buf, name, data); err != nil {
				return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
			}
			return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

type renderState struct {
	depth   map[string]int
	current string
}

// ---- manifests

// Kinds in the order Helm installs them; other kinds follow, by name.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret",
	"SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
	"RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass",
	"Ingress", "APIService",
}

type manifest struct {
	Source   string                 `json:"source"`
	Manifest string                 `json:"manifest"`
	Object   map[string]interface{} `json:"object"`
	kind     string
}

// a line `---` (maybe followed by a comment) starts a new document
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(?:#.*)?$`)

// splitManifests: the non-empty YAML documents of one rendered file, parsed
// as Kubernetes parses them (sigs.k8s.io/yaml).
func splitManifests(source, text string) ([]manifest, error) {
	var out []manifest
	for _, doc := range docSeparator.Split(text, -1) {
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		var obj map[string]interface{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %v", source, err)
		}
		kind, _ := obj["kind"].(string)
		out = append(out, manifest{Source: source, Manifest: doc, Object: obj, kind: kind})
	}
	return out, nil
}

func sortByInstallOrder(ms []manifest) {
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i
	}
	sort.SliceStable(ms, func(i, j int) bool {
		ri, iKnown := rank[ms[i].kind]
		rj, jKnown := rank[ms[j].kind]
		switch {
		case iKnown && jKnown:
			return ri < rj
		case iKnown != jKnown:
			return iKnown
		default:
			return ms[i].kind < ms[j].kind
		}
	})
}

// ---- errors

var (
	execLocation = regexp.MustCompile(`template: (\S+:\d+:\d+): executing `)
	callError    = regexp.MustCompile(`error calling \w+: `)
)

// cleanError shortens a template execution error to where it happened and
// what the function said, as Helm prints a failing `required`:
// "execution error at (chart/templates/x.yaml:3:4): message".
func cleanError(err error) string {
	msg := err.Error()
	locs := execLocation.FindAllStringSubmatch(msg, -1)
	calls := callError.FindAllStringIndex(msg, -1)
	if len(locs) == 0 || len(calls) == 0 {
		return msg
	}
	return fmt.Sprintf("execution error at (%s): %s", locs[len(locs)-1][1], msg[calls[len(calls)-1][1]:])
}

// ---- main

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var valueFiles, extraAPIVersions stringList
	namespace := flag.String("namespace", "default", "the release namespace (.Release.Namespace)")
	kubeVersionFlag := flag.String("kube-version", "v1.31.0", "the Kubernetes version of .Capabilities (checked against the chart's kubeVersion)")
	outputValues := flag.String("output-values", "", "also write the coalesced values as JSON to this file (before rendering)")
	output := flag.String("output", "yaml", "yaml: the YAML stream of `helm template`; json: an array of {source, manifest, object}")
	flag.Var(&valueFiles, "values", "a values file (repeatable; - is standard input)")
	flag.Var(&valueFiles, "f", "short for --values")
	flag.Var(&extraAPIVersions, "api-versions", "an API version for .Capabilities.APIVersions (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] RELEASE CHART_DIR\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	release, chartDir := flag.Arg(0), flag.Arg(1)

	// Chart.yaml (versions written as numbers become strings, as in Helm)
	raw, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		fail("%v", err)
	}
	for _, k := range []string{"version", "appVersion"} {
		if v, ok := raw[k]; ok && v != nil {
			raw[k] = fmt.Sprint(v)
		}
	}
	var chart chartMetadata
	if data, err := json.Marshal(raw); err != nil || json.Unmarshal(data, &chart) != nil {
		fail("%s: not a valid Chart.yaml", filepath.Join(chartDir, "Chart.yaml"))
	}
	if chart.Name == "" || chart.Version == "" {
		fail("validation: chart.metadata.name and chart.metadata.version are required")
	}
	if len(chart.Dependencies) > 0 {
		fail("chart %s has dependencies: subcharts are not supported", chart.Name)
	}

	kv, err := semver.NewVersion(*kubeVersionFlag)
	if err != nil {
		fail("invalid kube version %q: %v", *kubeVersionFlag, err)
	}
	if chart.KubeVersion != "" {
		c, err := semver.NewConstraint(chart.KubeVersion)
		if err != nil {
			fail("chart %s: invalid kubeVersion %q: %v", chart.Name, chart.KubeVersion, err)
		}
		if !c.Check(kv) {
			fail("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", chart.KubeVersion, *kubeVersionFlag)
		}
	}

	defaults, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil && !os.IsNotExist(errors.Unwrap(err)) && !os.IsNotExist(err) {
		fail("%v", err)
	}
	user := map[string]interface{}{}
	for _, file := range valueFiles {
		m, err := readYAMLMap(file)
		if err != nil {
			fail("%v", err)
		}
		user = mergeMaps(user, m)
	}
	values := coalesce(user, defaults, "")
	if *outputValues != "" {
		data, _ := json.Marshal(values)
		if err := os.WriteFile(*outputValues, data, 0o600); err != nil {
			fail("%v", err)
		}
	}

	// the chart's files: templates and .Files
	templates := map[string]string{}
	chartFiles := files{}
	root, _ := filepath.Abs(chartDir)
	err = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				entries, _ := os.ReadDir(p)
				if len(entries) > 0 {
					return fmt.Errorf("chart %s has a charts/ folder: subcharts are not supported", chart.Name)
				}
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates[chart.Name+"/"+rel] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			chartFiles[rel] = data
		}
		return nil
	})
	if err != nil {
		fail("%v", err)
	}
	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	sort.Strings(names)

	st := &renderState{depth: map[string]int{}}
	t := template.New("gotpl")
	t.Funcs(funcMap(t, st)).Option("missingkey=zero")
	for _, name := range names {
		if _, err := t.New(name).Parse(templates[name]); err != nil {
			fail("parse error at (%s): %v", name, err)
		}
	}

	apis := append(apiVersions{}, defaultAPIVersions...)
	apis = append(apis, extraAPIVersions...)
	caps := capabilities{
		KubeVersion: kubeVersion{
			Version:    "v" + kv.String(),
			Major:      fmt.Sprint(kv.Major()),
			Minor:      fmt.Sprint(kv.Minor()),
			GitVersion: "v" + kv.String(),
		},
		APIVersions: apis,
		HelmVersion: map[string]string{"Version": "v3-helm-render"},
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name":      release,
			"Namespace": *namespace,
			"Service":   "Helm",
			"IsInstall": true,
			"IsUpgrade": false,
			"Revision":  1,
		},
		"Chart":        chart,
		"Capabilities": caps,
		"Files":        chartFiles,
	}

	var manifests []manifest
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{
			"Name":     name,
			"BasePath": chart.Name + "/templates",
		}
		st.current = name
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			fail("%s", cleanError(err))
		}
		ms, err := splitManifests(name, strings.ReplaceAll(buf.String(), "<no value>", ""))
		if err != nil {
			fail("%v", err)
		}
		manifests = append(manifests, ms...)
	}
	sortByInstallOrder(manifests)

	out := os.Stdout
	if *output == "json" {
		if manifests == nil {
			manifests = []manifest{}
		}
		if err := json.NewEncoder(out).Encode(manifests); err != nil {
			fail("%v", err)
		}
		return
	}
	for _, m := range manifests {
		fmt.Fprintf(out, "---\n# Source: %s\n%s\n", m.Source, m.Manifest)
	}
}
