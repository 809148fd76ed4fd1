package wrap

import "strings"

// breakBefore reports whether a line may end just before cells[i].
//
// After a space, always. Between two characters of a word in a script
// written with spaces, never: that is where paths (/tmp/nakami-0a35),
// addresses (192.168.77.0/24), flags (--cpu-quota) and file names
// (cpu.cfs_period_us) live. Where either side is Japanese (kana, kanji,
// full-width forms), yes, unless the Japanese line-breaking rules forbid
// it (JIS X 4051 kinsoku): no line starts with a closing mark, small kana
// or the prolonged sound mark, and none ends with an opening bracket.
func breakBefore(cells []cell, i int) bool {
	if i == 0 {
		return false
	}
	prev, next := cells[i-1].r, cells[i].r
	switch {
	case next == ' ':
		return false
	case prev == ' ':
		return true
	case strings.ContainsRune(noStart, next) || strings.ContainsRune(noEnd, prev):
		return false
	}
	return wide(prev) || wide(next)
}

// wide: a character of a script written without spaces between words.
func wide(r rune) bool {
	return r >= 0x2E80
}

// noStart may not begin a line; noEnd may not end one.
const (
	noStart = "、。，．・：；？！゛゜ヽヾゝゞ々〻ー―‐〜～…‥」』）〕］｝〉》】〙〗〟’”ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ,.:;!?)]}%"
	noEnd   = "「『（〔［｛〈《【〘〖〝‘“([{"
)
