package lessons

// The overlay lesson's exercises: the learner builds overlays by hand with
// mount(8) and mknod(1). nakami reads every overlay mount's lowerdir and
// upperdir from /proc/self/mountinfo, walks those directories (bounded,
// lstat only) and reads the merged tree; it never writes to any of them.

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"nakami/engine"
	"nakami/engine/overlay"
	"nakami/engine/procfs"
)

// ovExercises follow the lesson's steps, in this order.
var ovExercises = []*Exercise{whiteoutExercise, twoLowersExercise}

// layerScanMax bounds the walk of one layer directory.
const layerScanMax = 4000

var ovWhy = T("mounting an overlay where nakami can see it (in the host's mount namespace) needs CAP_SYS_ADMIN, and so does reading the layers of root's overlays.",
	"nakami から見える場所(ホストのマウント名前空間)に overlay をマウントするには CAP_SYS_ADMIN が要り、root の overlay のレイヤを読むにも同じ権限が要ります。")

// learnerOverlays is every overlay mount that counts, and a note for each
// one that does not (nakami's own, or mounted with relative paths).
func learnerOverlays(l *Look) ([]*overlay.Info, []Text, error) {
	ms, err := overlay.Mounts(procfs.SelfPID())
	if err != nil {
		return nil, nil, err
	}
	var out []*overlay.Info
	var notes []Text
	for _, m := range ms {
		if l.Ours(engine.KindMount, m.Merged) {
			notes = append(notes, Tf("the overlay on %s was made by nakami, which does not count", "%s の overlay は nakami が作ったもので、数えません", m.Merged))
			continue
		}
		if rel := relativeDirs(m); len(rel) > 0 {
			notes = append(notes, Tf("the overlay on %s names %s relative to the shell that mounted it, so nakami cannot find them: mount it with absolute paths",
				"%s の overlay は %s をマウントしたシェルからの相対パスで指定しているので、nakami には場所が分かりません。絶対パスでマウントしてください",
				m.Merged, strings.Join(rel, ", ")))
			continue
		}
		out = append(out, m)
	}
	return out, notes, nil
}

func relativeDirs(m *overlay.Info) []string {
	var rel []string
	for _, d := range append([]string{m.Upper}, m.Lower...) {
		if d != "" && !filepath.IsAbs(d) {
			rel = append(rel, d)
		}
	}
	return rel
}

func lowers(m *overlay.Info) []string {
	var out []string
	for _, d := range m.Lower {
		if d != "" { // "::" marks data-only layers
			out = append(out, d)
		}
	}
	return out
}

// overlayFailure puts a lead sentence before what was seen.
func overlayFailure(lead Text, seen []Text) Text {
	if len(seen) == 0 {
		return lead
	}
	list := joinTexts(seen, "; ")
	return Text{EN: lead.EN + ": " + list.EN, JA: lead.JA + ": " + list.JA}
}

var noOverlay = T("no overlay is mounted (/proc/self/mountinfo has no mount of type overlay)",
	"overlay はマウントされていません(/proc/self/mountinfo に種類 overlay のマウントがない)")

var whiteoutExercise = overlayExercise("whiteout", whiteoutIn,
	T("no overlay has a whiteout (a character device 0/0) in its upper directory hiding a name of a lower one",
		"上層ディレクトリに、下層の名前を隠すホワイトアウト(キャラクタデバイス 0/0)を持つ overlay はまだありません"))

// overlayExercise checks each overlay the learner mounted with per, which
// says whether that one does it and what it shows; none heads the failure.
func overlayExercise(id string, per func(*overlay.Info) (bool, Text), none Text) *Exercise {
	return &Exercise{
		ID:       id,
		Requires: NeedsRoot,
		Why:      ovWhy,
		Check: func(l *Look) (bool, Text) {
			ms, seen, err := learnerOverlays(l)
			if err != nil {
				return false, errText(err)
			}
			if len(ms) == 0 && len(seen) == 0 {
				return false, noOverlay
			}
			for _, m := range ms {
				ok, t := per(m)
				if ok {
					return true, t
				}
				seen = append(seen, t)
			}
			return false, overlayFailure(none, seen)
		},
	}
}

// whiteoutIn looks for a whiteout in m's upper directory that hides a name
// one of its lower directories has.
func whiteoutIn(m *overlay.Info) (bool, Text) {
	if m.Upper == "" {
		return false, Tf("the overlay on %s has no upperdir, so nothing in it can be whited out", "%s の overlay には upperdir がないので、ホワイトアウトは置けません", m.Merged)
	}
	ents, _, err := overlay.ScanLayer(m.Upper, layerScanMax)
	if err != nil {
		return false, Tf("the overlay on %s: %v", "%s の overlay: %v", m.Merged, err)
	}
	var seen []Text
	for _, e := range ents {
		up := filepath.Join(m.Upper, e.Rel)
		if e.Kind == "character device" && !e.Whiteout {
			seen = append(seen, Tf("%s is a character device %d/%d, not 0/0", "%s はキャラクタデバイス %d/%d で、0/0 ではありません", up, e.Rdev[0], e.Rdev[1]))
			continue
		}
		if !e.Whiteout {
			continue
		}
		var hidden string
		for _, lo := range lowers(m) {
			if k, _ := overlay.Lookup(filepath.Join(lo, e.Rel)); k != "" {
				hidden = filepath.Join(lo, e.Rel) + " (" + k + ")"
				break
			}
		}
		if hidden == "" {
			seen = append(seen, Tf("%s is a whiteout, but no lower directory (%s) has %s, so it hides nothing", "%s はホワイトアウトですが、どの下層(%s)にも %s がないので、何も隠していません",
				up, strings.Join(lowers(m), ":"), e.Rel))
			continue
		}
		merged := filepath.Join(m.Merged, e.Rel)
		if k, err := overlay.Lookup(merged); err != nil || k != "" {
			seen = append(seen, Tf("%s is a whiteout over %s, but %s still shows it (%s%v)", "%s は %s を覆うホワイトアウトですが、%s にはまだ見えます(%s%v)", up, hidden, merged, k, errOrNil(err)))
			continue
		}
		return true, Tf("the overlay on %s: %s is a character device 0/0 hiding %s, and %s does not exist", "%s の overlay: %s はキャラクタデバイス 0/0 で %s を隠していて、%s は存在しません",
			m.Merged, up, hidden, merged)
	}
	if len(seen) == 0 {
		return false, Tf("the overlay on %s has no character device 0/0 in its upper directory %s", "%s の overlay の上層ディレクトリ %s にキャラクタデバイス 0/0 はありません", m.Merged, m.Upper)
	}
	return false, joinTexts(seen, "; ")
}

func errOrNil(err error) any {
	if err == nil {
		return ""
	}
	return err
}

var twoLowersExercise = overlayExercise("two-lowers", layerOrder,
	T("no overlay has two lower directories holding one file name with different contents, the merged tree showing the upper one's",
		"二つの下層ディレクトリが同じ名前で中身の違うファイルを持ち、merged に上側のものが見える overlay はまだありません"))

// headBytes is how much of each file layerOrder compares.
const headBytes = 4096

// layerOrder looks for a file name in two of m's lower directories whose
// copy in the upper layer of the two is the one merged shows.
func layerOrder(m *overlay.Info) (bool, Text) {
	los := lowers(m)
	if len(los) < 2 {
		return false, Tf("the overlay on %s has %d lower directory (lowerdir=%s); it needs two or more", "%s の overlay の下層ディレクトリは %d 個(lowerdir=%s)で、二つ以上必要です",
			m.Merged, len(los), strings.Join(los, ":"))
	}
	first := map[string]int{} // regular file → the topmost lower layer that has it
	var seen []Text
	for i, lo := range los {
		ents, _, err := overlay.ScanLayer(lo, layerScanMax)
		if err != nil {
			return false, Tf("the overlay on %s: %v", "%s の overlay: %v", m.Merged, err)
		}
		for _, e := range ents {
			if e.Kind != "regular file" {
				continue
			}
			top, ok := first[e.Rel]
			if !ok {
				first[e.Rel] = i
				continue
			}
			if ok, t := shadows(m, los[top], lo, e.Rel); ok {
				return true, t
			} else if len(seen) < 3 {
				seen = append(seen, t)
			}
		}
	}
	if len(seen) == 0 {
		return false, Tf("the overlay on %s has %d lower directories (lowerdir=%s), but no file name is in two of them", "%s の overlay には下層ディレクトリが %d 個あります(lowerdir=%s)が、二つの下層に共通するファイル名がありません",
			m.Merged, len(los), strings.Join(los, ":"))
	}
	return false, joinTexts(seen, "; ")
}

// shadows compares rel in the upper (top) and lower (low) of two lower
// layers with what merged shows.
func shadows(m *overlay.Info, top, low, rel string) (bool, Text) {
	a, b := filepath.Join(top, rel), filepath.Join(low, rel)
	if m.Upper != "" {
		if k, _ := overlay.Lookup(filepath.Join(m.Upper, rel)); k != "" {
			return false, Tf("%s and %s are both there, but the upper directory has %s too, which hides both", "%s と %s の両方がありますが、上層ディレクトリにも %s があり、両方を隠しています",
				a, b, filepath.Join(m.Upper, rel))
		}
	}
	ha, err1 := overlay.Head(a, headBytes)
	hb, err2 := overlay.Head(b, headBytes)
	if err := firstErr(err1, err2); err != nil {
		return false, errText(err)
	}
	if bytes.Equal(ha, hb) {
		return false, Tf("%s and %s hold the same bytes, so merged cannot show which one wins: make them differ", "%s と %s の中身が同じなので、どちらが勝ったか merged では分かりません。中身を変えてください", a, b)
	}
	merged := filepath.Join(m.Merged, rel)
	if k, _ := overlay.Lookup(merged); k != "regular file" {
		return false, Tf("%s and %s differ, but %s is not a regular file (%q)", "%s と %s は違いますが、%s は通常ファイルではありません(%q)", a, b, merged, k)
	}
	hm, err := overlay.Head(merged, headBytes)
	if err != nil {
		return false, errText(err)
	}
	if !bytes.Equal(hm, ha) {
		return false, Tf("%s and %s differ, but %s shows neither as the upper one", "%s と %s は違いますが、%s に上側のものが見えません", a, b, merged)
	}
	return true, Tf("the overlay on %s (lowerdir=%s): %s hides %s, and %s shows its content %s", "%s の overlay(lowerdir=%s): %s が %s を隠し、%s にはその内容 %s が見えます",
		m.Merged, strings.Join(lowers(m), ":"), a, b, merged, quoteHead(ha))
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// quoteHead shows the start of a file's content.
func quoteHead(b []byte) string {
	s := strings.TrimRight(string(b), "\n")
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}
