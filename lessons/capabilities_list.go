package lessons

// One line per capability, what it lets a process do (after
// capabilities(7)), in every language nakami speaks. Indexed by bit.

var capMeanings = []Text{
	T("change the owner and group of any file", "任意のファイルの所有者とグループを変える"),
	T("read, write and execute any file regardless of its permission bits", "パーミッションに関係なく任意のファイルを読み書き・実行する"),
	T("read any file and list any directory regardless of permissions", "パーミッションに関係なく任意のファイルを読み、任意のディレクトリを一覧する"),
	T("act as the owner of any file (chmod, utime, ACLs…)", "任意のファイルの所有者として振る舞う (chmod、utime、ACL など)"),
	T("keep the set-user-ID and set-group-ID bits when modifying a file", "ファイル変更時に set-user-ID / set-group-ID ビットを保つ"),
	T("send signals to processes of other users", "他のユーザーのプロセスにシグナルを送る"),
	T("change its group IDs and supplementary groups freely", "グループ ID と補助グループを自由に変える"),
	T("change its user IDs freely (setuid, user namespace maps)", "ユーザー ID を自由に変える (setuid、ユーザー名前空間の対応付け)"),
	T("add to its inheritable set, drop from the bounding set, set securebits", "inheritable セットへの追加、bounding セットからの削除、securebits の設定"),
	T("set the immutable and append-only file attributes", "ファイルの immutable 属性と append-only 属性を設定する"),
	T("bind to ports below 1024", "1024 未満のポートに bind する"),
	T("broadcast and listen to multicast (unused in practice)", "ブロードキャストとマルチキャスト受信 (実際には使われていない)"),
	T("configure network interfaces, routes, firewall rules", "ネットワークインターフェース、ルート、ファイアウォールを設定する"),
	T("use raw and packet sockets (ping, packet capture)", "RAW ソケットと PACKET ソケットを使う (ping、パケットキャプチャ)"),
	T("lock memory (mlock) and allocate huge pages", "メモリをロックし (mlock)、ヒュージページを確保する"),
	T("bypass permission checks on System V IPC objects", "System V IPC オブジェクトの権限チェックを無視する"),
	T("load and unload kernel modules", "カーネルモジュールをロード・アンロードする"),
	T("access I/O ports and /dev/mem", "I/O ポートと /dev/mem にアクセスする"),
	T("call chroot and change mount namespaces with setns", "chroot を呼び、setns でマウント名前空間を変える"),
	T("trace and inspect any process (ptrace, process_vm_readv)", "任意のプロセスをトレース・検査する (ptrace、process_vm_readv)"),
	T("turn process accounting on and off", "プロセスアカウンティングを有効・無効にする"),
	T("a catch-all of administration: mount, sethostname, namespaces, and much more", "何でも屋の管理権限: mount、sethostname、名前空間ほか多数"),
	T("reboot the machine and load a new kernel (kexec)", "マシンを再起動し、新しいカーネルをロードする (kexec)"),
	T("raise priorities and set real-time scheduling", "優先度を上げ、リアルタイムスケジューリングを設定する"),
	T("exceed resource limits and quotas", "リソース制限とクォータを超える"),
	T("set the system clock", "システム時計を設定する"),
	T("configure terminals (vhangup)", "端末を設定する (vhangup)"),
	T("create device special files with mknod", "mknod でデバイスファイルを作る"),
	T("take leases on any file", "任意のファイルにリースを設定する"),
	T("write records to the kernel audit log", "カーネルの監査ログに記録を書き込む"),
	T("configure the audit subsystem", "監査サブシステムを設定する"),
	T("set file capabilities (setcap)", "ファイルケーパビリティを設定する (setcap)"),
	T("override a mandatory access control policy (Smack)", "強制アクセス制御 (Smack) のポリシーを無視する"),
	T("configure mandatory access control (Smack)", "強制アクセス制御 (Smack) を設定する"),
	T("read and clear the kernel log (syslog, dmesg)", "カーネルログを読み、消去する (syslog、dmesg)"),
	T("set alarms that wake the system from suspend", "サスペンドからシステムを起こすアラームを設定する"),
	T("keep the system from suspending (epoll wakeups)", "システムのサスペンドを妨げる (epoll の wakeup)"),
	T("read the audit log through multicast netlink", "マルチキャスト netlink で監査ログを読む"),
	T("use performance monitoring (perf_event_open), Linux 5.8", "性能監視を使う (perf_event_open)。Linux 5.8 から"),
	T("load BPF programs and create BPF maps, Linux 5.8", "BPF プログラムをロードし BPF マップを作る。Linux 5.8 から"),
	T("checkpoint and restore processes (CRIU), Linux 5.9", "プロセスのチェックポイントと復元 (CRIU)。Linux 5.9 から"),
}

// capMeaning describes bit b, or says nakami has no description for it.
func capMeaning(b int) Text {
	if b >= 0 && b < len(capMeanings) {
		return capMeanings[b]
	}
	return T("newer than nakami: see capabilities(7)", "nakami より新しいもの: capabilities(7) を参照")
}
