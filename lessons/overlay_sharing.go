package lessons

// overlay/sharing: the copy-on-write claim as numbers. Ten containers on
// one image (ten overlay mounts over LAYER1, each with an empty upper
// directory of its own) against ten copies of LAYER1: disk bytes as du(1)
// counts them, and the time each took to prepare. The numbers are shown,
// not checked (performance belongs to `nakami bench`); the checks read
// what stands: the ten mounts in /proc/self/mountinfo, their upper
// directories' entries, and the blocks of the copies.

import (
	"fmt"
	"os"
	"strings"
	"time"

	"nakami/engine/overlay"
)

const ovShareN = 10

// ovShared is what the sharing step made.
type ovShared struct {
	Merged, Copies        []string
	OverlayTook, CopyTook time.Duration
}

var ovSharedKey = newKey[ovShared]("overlay/sharing")

var noShared = T("the ten containers and the ten copies are not made yet", "10 個のコンテナと 10 個のコピーはまだ作っていません")

var ovSharingStep = &Step{
	ID:    "sharing",
	After: []string{"layer1"},
	Commands: []string{
		`for i in $(seq 10); do mkdir -p c$i/{diff,work,merged}; mount -t overlay overlay -o lowerdir=$LAYER1/diff,upperdir=c$i/diff,workdir=c$i/work c$i/merged; done`,
		`for i in $(seq 10); do cp -a $LAYER1/diff copy$i; done`,
		`du -sh c*/diff copy* $LAYER1/diff`,
	},
	Requires: NeedsRoot,
	Why:      ovRootWhy,
	Live:     Live{Procs: []string{"nakami"}},
	Action: func(e *Env) error {
		l1, ok := ovLayer1Key.Get(e)
		if !ok {
			return fmt.Errorf("%s", noLayer1.EN)
		}
		sh, err := overlay.ShareN(e.S, "share", l1, ovShareN)
		if err != nil {
			return err
		}
		copies, took, err := overlay.CopyN(e.S, "copy", l1, ovShareN)
		if err != nil {
			return err
		}
		ovSharedKey.Set(e, ovShared{Merged: sh.Merged, Copies: copies, OverlayTook: sh.Took, CopyTook: took})
		return nil
	},
	Checks: []Check{
		valueCheck(T("ten overlay mounts in /proc/self/mountinfo have LAYER1 as their lowerdir", "/proc/self/mountinfo の 10 個の overlay マウントの lowerdir が LAYER1"), ovSharedKey, noShared,
			func(e *Env, v ovShared) (bool, Text) {
				l1, _ := ovLayer1Key.Get(e)
				n := 0
				for _, m := range v.Merged {
					if info, err := overlay.Read(m); err == nil && len(info.Lower) == 1 && info.Lower[0] == l1 {
						n++
					}
				}
				return n == ovShareN, Tf("%d of %d mounts read back with lowerdir=%s (in %v)", "%d/%d 個のマウントが lowerdir=%s(%v で作成)", n, ovShareN, l1, v.OverlayTook.Round(100*time.Microsecond))
			}),
		valueCheck(T("their upper directories (from the mount options) are empty", "その upperdir(マウントオプションから)は空"), ovSharedKey, noShared,
			func(e *Env, v ovShared) (bool, Text) {
				var bytes int64
				for _, m := range v.Merged {
					info, err := overlay.Read(m)
					if err != nil {
						return false, errText(err)
					}
					ents, err := os.ReadDir(info.Upper)
					if err != nil || len(ents) != 0 {
						return false, Tf("%s holds %d entries (%v)", "%s のエントリは %d 個 (%v)", info.Upper, len(ents), err)
					}
					b, _ := overlay.DiskUsage(info.Upper)
					bytes += b
				}
				return true, Tf("%d upper directories, no entries; du: %d bytes in all (the directories themselves)", "upperdir %d 個、エントリなし。du: 合計 %d バイト(ディレクトリ自身の分)", len(v.Merged), bytes)
			}),
		valueCheck(T("each copy takes as many blocks as LAYER1 (du)", "コピーはどれも LAYER1 と同じだけのブロックを使う(du)"), ovSharedKey, noShared,
			func(e *Env, v ovShared) (bool, Text) {
				l1, _ := ovLayer1Key.Get(e)
				img, err := overlay.DiskUsage(l1)
				if err != nil {
					return false, errText(err)
				}
				var total int64
				var short []string
				for _, c := range v.Copies {
					b, err := overlay.DiskUsage(c)
					if err != nil || b < img*9/10 {
						short = append(short, c)
					}
					total += b
				}
				if len(v.Copies) != ovShareN || len(short) > 0 {
					return false, Tf("%d copies; too small or missing: %s", "コピー %d 個。小さすぎるか見つからない: %s", len(v.Copies), strings.Join(short, ", "))
				}
				return true, Tf("du: LAYER1 %.1f MB; ten copies %.1f MB (made in %v) against ten overlays' upper directories (made in %v)",
					"du: LAYER1 %.1f MB。10 個のコピーは %.1f MB(%v で作成)、10 個の overlay の upperdir は空(%v で作成)",
					float64(img)/1e6, float64(total)/1e6, v.CopyTook.Round(100*time.Microsecond), v.OverlayTook.Round(100*time.Microsecond))
			}),
	},
}
