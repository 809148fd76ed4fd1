package lessons

// The engine's notes on its operations (engine/notes.go) in the session's
// language. The engine writes them in English; a step's result carries
// them translated when the session is Japanese. Each entry is keyed by the
// engine's own constant, its %-verbs (%d %s %v %.1f, never two side by
// side) turned into groups that the Japanese text takes up as ${1}, ${2},
// … in order, so a note changed in the engine keeps its translation or
// fails TestOpNotesJapanese. A note that is not
// listed (an error's strerror text, a program's output) stays as it is.

import (
	"regexp"
	"strings"

	"nakami/engine"
)

type opNote struct {
	en, ja string
	part   bool // en is a piece of a longer note, replaced where it occurs
}

var opNotes = []opNote{
	{en: engine.NoteFaked, ja: "フェイク(陰性対照): 実際には実行していない"},
	{en: engine.NoteFakedNoNS, ja: "。フェイク(陰性対照): 新しい名前空間は作っていない", part: true},
	{en: engine.NotePlaced, ja: "Go ランタイムが動き出す前(C のコンストラクタ内)、スレッドがまだ 1 本のときに実行"},
	{en: engine.NoteTimeNS, ja: "Go ランタイムが動き出す前(C のコンストラクタ内)に実行"},
	{en: engine.NoteTHPOff, ja: noteTHPJa + "。${1} の THP_enabled: 0"},
	{en: engine.NoteTHP, ja: noteTHPJa},
	{en: engine.NoteTHPUnknown, ja: "${1} に THP_enabled の行がない(5.0 より前のカーネル)"},
	{en: engine.NoteTHPRefused, ja: "${1} の THP_enabled: ${2}(カーネルがフラグを拒んだので、ヒュージページは有効のまま)"},
	{en: engine.NoteForkAll, ja: "pids.max = ${2} のもとで子プロセスを ${1} 個起動し、clone は一度も拒まれなかった"},
	{en: engine.NoteForkRefused, ja: "pids.max = ${2} のもとで子プロセスを ${1} 個起動したところで clone() が失敗: ${3}"},
	{en: engine.NoteNoCap, ja: "ケーパビリティ ${1} は存在しない: 最後の番号は ${2}"},
	{en: engine.NoteNotBounding, ja: "(カーネルは知っているが、nakami のバウンディングセットにはない)", part: true},
	{en: engine.NotePing, ja: "pid ${1}、uid ${2} euid ${3}、ソケット: ${4}、送信 ${5}、受信 ${6}"},
	{en: engine.NoteBuilt, ja: "${1}: ファイル ${2} 個、${3} MB(所要 ${4})"},
	{en: engine.NoteOutside, ja: "作業ディレクトリはもうルートの外にある"},
	{en: engine.NoteServed, ja: " [終了ステータス 0。サーバーは ${1} 件のリクエストに応えた]", part: true},
	{en: engine.NoteNoReply, ja: "icmp_seq=${1} に応答がない: ${2}"},
	{en: engine.NoteShellPID1, ja: "シェルはこのプロセスの PID を引き継ぐ: 新しい PID 名前空間の PID 1"},
	{en: engine.NoteInitStays, ja: "PID 1 は残り、孤児プロセスを回収してシグナルをコマンドへ転送する"},
}

const noteTHPJa = "Go ランタイムが動き出す前に設定したので、グループに課金されるのは 2 MiB のヒュージページではなく 4 KiB のページ"

// NoteCols is as much of an operation's note as a transcript shows (a
// program's whole output can be a note).
const NoteCols = 200

// verb is a fmt verb of the notes: %d, %s, %v, %.1f.
var verb = regexp.MustCompile(`%(\.\d+)?[dsvf]`)

// noteRegexp matches a note made from format: the literal text as it is,
// each verb as a group.
func noteRegexp(format string, part bool) *regexp.Regexp {
	var b strings.Builder
	if !part {
		b.WriteString("^")
	}
	last := 0
	for _, m := range verb.FindAllStringIndex(format, -1) {
		b.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		b.WriteString("(.*?)")
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	if !part {
		b.WriteString("$")
	}
	return regexp.MustCompile(b.String())
}

var opNoteRes = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, n := range opNotes {
		out = append(out, noteRegexp(n.en, n.part))
	}
	return out
}()

// noteIn is an engine note in lang: the first entry that matches wins, and
// pieces are replaced wherever they occur.
func noteIn(lang, note string) string {
	if lang != "ja" || note == "" {
		return note
	}
	whole := false
	for i, n := range opNotes {
		re := opNoteRes[i]
		if n.part {
			note = re.ReplaceAllString(note, n.ja)
			continue
		}
		if !whole && re.MatchString(note) {
			note, whole = re.ReplaceAllString(note, n.ja), true
		}
	}
	return note
}

// opsIn returns ops with their notes in lang (a copy: the transcript keeps
// the engine's).
func opsIn(lang string, ops []engine.Op) []engine.Op {
	out := make([]engine.Op, len(ops))
	for i, op := range ops {
		op.Detail = noteIn(lang, op.Detail)
		out[i] = op
	}
	return out
}
