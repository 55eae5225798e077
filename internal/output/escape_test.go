package output

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/kvguard/kvguard/internal/engine"
)

// injection is a property value that tries to forge a report line, a GitHub workflow command
// and a terminal colour change.
const injection = "evil\n::error file=x.go,line=1::INJECTED \u001b[31mRED"

// markdownInjection tries a link, an image, a team mention, HTML and a new table row.
const markdownInjection = "[click](https://evil.example) ![img](https://evil.example/i.png) @org/team <b>x</b>\n| forged | row |"

func TestVisible(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "plain text unchanged", in: "Key Vault 'kv-1' (prod): 100% open", want: "Key Vault 'kv-1' (prod): 100% open"},
		{name: "letters beyond ASCII unchanged", in: "Tresor für Zürich, 東京", want: "Tresor für Zürich, 東京"},
		{name: "backslash unchanged", in: `C:\src\main.go`, want: `C:\src\main.go`},
		{name: "newline and carriage return", in: "a\r\nb", want: `a\r\nb`},
		{name: "tab", in: "a\tb", want: `a\tb`},
		{name: "escape and other C0", in: "\x1b[31mred\x00\x07", want: `\x1b[31mred\x00\x07`},
		{name: "DEL", in: "a\x7fb", want: `a\x7fb`},
		{name: "C1 as a character", in: "a\u009b31mb\u0085c", want: `a\u009b31mb\u0085c`},
		{name: "byte that is not UTF-8", in: "a\x9b31m", want: `a\x9b31m`},
		{name: "line and paragraph separators", in: "a\u2028b\u2029c", want: `a\u2028b\u2029c`},
		{name: "bidi override", in: "user\u202etxt.exe", want: `user\u202etxt.exe`},
		{name: "bidi embeddings and isolates", in: "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", want: `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{name: "bidi marks", in: "\u200e\u200f\u061c", want: `\u200e\u200f\u061c`},
		{name: "the reviewer's tenant id", in: injection, want: `evil\n::error file=x.go,line=1::INJECTED \x1b[31mRED`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, visible(tc.in))
		})
	}
}

func TestMdText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "link", in: "[click](https://evil.example)", want: `\[click\]\(https://evil.example\)`},
		{name: "image", in: "![x](https://evil.example/i.png)", want: `!\[x\]\(https://evil.example/i.png\)`},
		{name: "mention", in: "ping @org/team", want: "ping @\u200borg/team"},
		{name: "html", in: "<img src=x>", want: "&lt;img src=x&gt;"},
		{name: "entity stays as typed", in: "&#64;me &lt;", want: `&amp;#64;me &amp;lt;`},
		{name: "emphasis code and math", in: "*a* _b_ `c` ~~d~~ $e$", want: "\\*a\\* \\_b\\_ \\`c\\` \\~\\~d\\~\\~ \\$e\\$"},
		{name: "line-start markers left, braces escaped", in: "# h + - {x}", want: `# h + - \{x\}`},
		{name: "table cell boundary", in: "a|b", want: `a\|b`},
		{name: "backslash", in: `a\b`, want: `a\\b`},
		{name: "new line cannot start a block", in: "a\n# heading\n\n- item", want: `a # heading - item`},
		{name: "control characters visible, their backslash escaped", in: "a\x1bb", want: `a\\x1bb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, mdText(tc.in))
		})
	}
}

// hostile is the text taintedReport adds: line breaks, terminal escapes, a bidi override and
// Markdown.
const hostile = "\u202e" + injection + " " + markdownInjection

// taintedReport is findingsReport with s added to all input-derived text: names, types, URNs,
// messages, positions, paths and exception reasons. taintedReport("x") has the same shape with
// nothing to escape, so a format must give both the same number of lines.
func taintedReport(s string) *engine.Report {
	r := findingsReport()
	for i := range r.Results {
		res := &r.Results[i]
		res.ResourceName += s
		res.ResourceType += s
		res.URN += s
		if res.Message != "" {
			res.Message += " " + s
		}
		if res.SourcePosition != "" {
			res.SourcePosition = s + ":57"
		}
		if res.Path != "" {
			res.Path += s
		}
		if res.Exception != "" {
			res.Exception += s
		}
	}
	for _, list := range [][]engine.Exception{r.ExpiredExceptions, r.UnusedExceptions} {
		for i := range list {
			list[i].Reason += s
			list[i].URNs = append(list[i].URNs, s)
		}
	}
	return r
}

// assertNoHiddenControls fails when out holds a control character other than the line breaks
// the format writes itself.
func assertNoHiddenControls(t *testing.T, out string) {
	t.Helper()
	assert.True(t, utf8.ValidString(out), "output is not UTF-8")
	for _, r := range out {
		if r != '\n' && isHiddenControl(r) {
			assert.Failf(t, "control character in output", "got %U in:\n%s", r, out)
			return
		}
	}
}

func TestTextEscapesInput(t *testing.T) {
	out := string(render(t, FormatText, taintedReport(hostile)))
	assertNoHiddenControls(t, out)
	want := strings.Count(string(render(t, FormatText, taintedReport("x"))), "\n")
	assert.Equal(t, want, strings.Count(out, "\n"), "input added or removed report lines:\n%s", out)
	for _, l := range strings.Split(out, "\n") {
		assert.False(t, strings.HasPrefix(l, "::"), "got a workflow command line %q", l)
	}
	assert.Contains(t, out, `FAIL KV-002 [mandatory] Key Vault 'store-vault' does not have purge protection enabled. \u202eevil\n::error file=x.go,line=1::INJECTED \x1b[31mRED [click]`)
	assert.Contains(t, out, `at: \u202eevil\n::error`)
}

func TestGitHubEscapesInput(t *testing.T) {
	out := string(render(t, FormatGitHub, taintedReport(hostile), WithArtifact("preview.json")))
	assertNoHiddenControls(t, out)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		assert.Regexp(t, workflowCommand, l)
	}
	assert.Len(t, lines, 7, "got other than six annotations and the summary:\n%s", out)
	assert.Contains(t, out, `INJECTED \x1b[31mRED`)
}

var codeSpan = regexp.MustCompile("`[^`]*`")

func TestMarkdownEscapesInput(t *testing.T) {
	out := string(render(t, FormatMarkdown, taintedReport(hostile)))
	assertNoHiddenControls(t, out)
	want := strings.Count(string(render(t, FormatMarkdown, taintedReport("x"))), "\n")
	assert.Equal(t, want, strings.Count(out, "\n"), "input added or removed Markdown lines:\n%s", out)
	// Inside a code span nothing but the backtick and the pipe is live.
	outside := codeSpan.ReplaceAllString(out, "`code`")
	for _, live := range []string{"[click](", "![img](", "@org/team", "<b>", "| forged |"} {
		assert.NotContains(t, outside, live)
	}
	assert.Contains(t, out, "\\[click\\]\\(https://evil.example\\) !\\[img\\]\\(https://evil.example/i.png\\) @\u200borg/team &lt;b&gt;x&lt;/b&gt; \\| forged \\| row \\|")
	assert.Contains(t, out, "`store-vault\\u202eevil ::error file=x.go,line=1::INJECTED \\x1b[31mRED [click](https://evil.example)")
}

func TestJUnitShowsControlCharactersFromTheInput(t *testing.T) {
	out := string(render(t, FormatJUnit, taintedReport(hostile)))
	assert.NotContains(t, out, "\u202e", "a bidi override reaches Azure DevOps")
	assert.NotContains(t, out, "\x1b", "a terminal escape reaches Azure DevOps")
	assert.Contains(t, out, `\u202e`)
}
