package output

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// visible makes text that came from the input (resource names and types, property values
// quoted in policy messages, paths, exception reasons) safe to print inside a line the report
// controls. Each character that would act on the terminal or log showing it rather than be
// shown is printed as an escape instead: C0 controls including newline and tab (\n, \t,
// \x1b), DEL, C1 controls, the Unicode line and paragraph separators and the bidirectional
// embeddings, overrides, isolates and marks (\u2028, \u202e), and bytes that are not UTF-8
// (\x9b, which 8-bit terminals read as a control sequence). So one finding stays on the lines
// the report gives it: a value cannot start a line of its own (a forged finding, a GitHub
// workflow command), colour or rewrite the screen, or reorder the text around it.
//
// Backslashes are left as they are: a Windows path stays readable, and a "\n" typed into the
// input is two harmless characters either way.
func visible(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, isHiddenControl) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && isHiddenControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isHiddenControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isHiddenControl reports whether r changes how text around it is shown instead of being shown.
func isHiddenControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separator
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c: // bidi marks (LRM, RLM, ALM)
		return true
	}
	return false
}

// mdEscaper neutralises GitHub-flavoured Markdown in text from the input. Every character with
// a meaning inside a line is escaped wherever it stands, which is simpler to trust than working
// out where each one is live: a link or image ([x](url), ![x](url)), emphasis, code,
// strikethrough, math ($), a table cell boundary. Line-start markers (#, -, +) are left alone:
// mdText's text never starts a line. HTML is shown as text, entities in the input stay as
// typed, and "@" is followed by a zero-width space, as Renovate and Dependabot do, so that
// @user and @org/team notify nobody (GitHub finds mentions after entities are decoded).
var mdEscaper = func() *strings.Replacer {
	pairs := []string{"&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "@\u200b"}
	for _, c := range "\\`*_{}[]()|~$" {
		pairs = append(pairs, string(c), `\`+string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// mdText makes text from the input plain text in a Markdown table cell or list item: one line,
// with control characters visible and all Markdown syntax escaped.
func mdText(s string) string {
	return mdEscaper.Replace(visible(oneLine(s)))
}
