// Package tui is the workbench: the lessons on screen, steps run live, and
// the /proc state beside them. It imports lessons, never engine: kernel
// work runs in tea.Cmds that return messages.
package tui

import (
	"context"
	"reflect"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"nakami/lessons"
)

// Options configure the workbench.
type Options struct {
	Lang    string
	Present bool
	NoColor bool
	Start   string // "lesson" or "lesson/step"
	// KeepLang: the language was not asked for on the command line, so
	// the one last chosen with L (kept in the progress file) wins.
	KeepLang bool
	// Leftovers of sessions that ended without cleaning up: the workbench
	// opens on a notice offering to remove them (offer.go).
	Leftovers *Leftovers
}

type panel int

const (
	panelSteps panel = iota
	panelText
	panelTranscript
	panelLive
	panelCount
)

// item is one line of the list: a step, or an exercise (ex set, step nil).
type item struct {
	lesson *lessons.Lesson
	step   *lessons.Step
	ex     *lessons.Exercise
}

func (it item) key() string {
	if it.ex != nil {
		return it.lesson.ID + "/" + it.ex.ID
	}
	return it.lesson.ID + "/" + it.step.ID
}

type model struct {
	opts      Options
	env       *lessons.Env
	lang      string
	items     []item
	cursor    int
	focus     panel
	width     int
	height    int
	dark      bool
	st        styles
	keys      keyMap
	help      help.Model
	spin      spinner.Model
	prog      *lessons.Progress
	md        *mdCache
	running   string                      // key of the step running, "" when idle
	results   map[string][]lessons.Result // last results per step key
	hints     map[string]int              // hints revealed per step key
	scroll    map[panel]int
	scrollMax map[panel]int // the largest useful offset, as last drawn
	showHelp  bool
	form      *paramForm // the parameter form, when open
	blank     bool       // the presenter blanked the screen
	picking   int        // jumping: the cursor to go back to, plus one (0: not jumping)
	noTrans   bool       // the presenter hid the transcript
	confirm   bool       // asking before quitting with objects alive
	offer     *offer     // the notice of leftovers, while it is open
	quitting  bool       // quit asked while a step runs: leave when it is done
	frame     string
	dirty     bool // something the frame shows changed since it was drawn
	keep      bool // quit leaving objects for `nakami cleanup`
	status    string
	live      liveData
	cgHist    map[string][]float64            // CPU % samples per group role
	cgPrev    map[string]*lessons.CgroupUsage // the previous reading per role
	liveGen   int
	liveTick  int
	hostname  map[int]string
	exGen     int                    // generation of the open exercise's checks
	exResult  lessons.ExerciseResult // its last check
}

// Messages.
type (
	runDoneMsg struct {
		key     string
		results []lessons.Result
	}
	resetDoneMsg struct{ err error }
	shellDoneMsg struct{ err error }
	liveTickMsg  struct{ gen int }
	liveMsg      struct {
		gen  int
		data liveData
	}
)

func newModel(env *lessons.Env, o Options) *model {
	m := &model{
		opts: o, env: env, lang: o.Lang, keys: newKeyMap(o.Lang), help: help.New(),
		spin: spinner.New(spinner.WithSpinner(spinner.Dot)), prog: lessons.LoadProgress(),
		results: map[string][]lessons.Result{}, hints: map[string]int{}, scroll: map[panel]int{}, scrollMax: map[panel]int{},
		md: newMDCache(), dark: true, width: 80, height: 24, hostname: map[int]string{},
		cgHist: map[string][]float64{}, cgPrev: map[string]*lessons.CgroupUsage{},
	}
	if o.KeepLang && (m.prog.Lang == "en" || m.prog.Lang == "ja") {
		m.lang, m.keys = m.prog.Lang, newKeyMap(m.prog.Lang)
	}
	for _, l := range lessons.All() {
		for _, s := range l.Steps {
			m.items = append(m.items, item{lesson: l, step: s})
		}
		for _, x := range l.Exercises {
			m.items = append(m.items, item{lesson: l, ex: x})
		}
	}
	start := o.Start
	if start == "" {
		start = m.prog.Current
	}
	m.jump(start)
	m.offer = newOffer(o.Leftovers)
	m.st = newStyles(m.dark, o.Present, o.NoColor)
	if o.Present {
		m.focus = panelText
	}
	return m
}

// jump moves the cursor to "lesson" (its first step) or "lesson/step".
func (m *model) jump(ref string) {
	for i, it := range m.items {
		if it.key() == ref || (!strings.Contains(ref, "/") && it.lesson.ID == ref) {
			m.cursor = i
			return
		}
	}
}

func (m *model) cur() item { return m.items[m.cursor] }

func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.scheduleLive(), m.scheduleExercise()}
	if m.opts.Present && m.opts.Start != "" && m.offer == nil { // else when the notice closes
		cmds = append(cmds, m.runPrerequisites())
	}
	return tea.Batch(cmds...)
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.dirty = true
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, m.scheduleLive()
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = newStyles(m.dark, m.opts.Present, m.opts.NoColor)
		return m, nil
	case spinner.TickMsg:
		if m.running == "" && (m.offer == nil || !m.offer.removing) {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case runDoneMsg:
		return m, m.finishRun(msg)
	case offerDoneMsg:
		return m, m.offerDone(msg)
	case resetDoneMsg:
		m.running = ""
		if m.quitting {
			return m, tea.Quit
		}
		m.status = m.tr("lesson reset: its objects are removed", "レッスンをリセットしました(作成物は削除済み)")
		if msg.err != nil {
			m.status = msg.err.Error()
		}
		return m, m.scheduleLive()
	case shellDoneMsg:
		m.status = m.tr("back from the shell", "シェルから戻りました")
		if msg.err != nil {
			m.status = msg.err.Error()
		}
		return m, m.scheduleLive()
	case liveTickMsg:
		m.dirty = false
		return m, m.fetchLive(msg.gen)
	case liveMsg:
		m.dirty = false
		if msg.gen != m.liveGen {
			return m, nil
		}
		m.dirty = !reflect.DeepEqual(msg.data, m.live)
		m.takeLive(msg.data)
		return m, m.nextLiveTick()
	case exTickMsg:
		m.dirty = false
		return m, m.checkExercise(msg.gen)
	case exMsg:
		return m, m.takeExercise(msg)
	case tea.KeyPressMsg:
		before := m.cursor
		cmd := m.onKey(msg)
		if m.cursor != before { // what follows the cursor starts again
			cmd = tea.Batch(cmd, m.scheduleLive(), m.scheduleExercise())
		}
		return m, cmd
	case visitMsg:
		msg(m) // runs on the event loop, so it sees a consistent model
	}
	return m, nil
}

// visitMsg lets a caller (the tests) look at the model between updates.
type visitMsg func(*model)

func (m *model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.offer != nil {
		return m.offerKey(msg)
	}
	if m.confirm {
		switch msg.String() {
		case "y", "q", "enter":
			return tea.Quit
		case "k":
			m.keep = true
			return tea.Quit
		default:
			m.confirm = false
		}
		return nil
	}
	if m.form != nil {
		m.formKey(msg)
		return nil
	}
	if m.blank {
		m.blank = false // any key
		return nil
	}
	if m.picking > 0 {
		return m.pickKey(msg)
	}
	if m.showHelp && !key.Matches(msg, m.keys.Quit) {
		m.showHelp = false
		return nil
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit) && m.running != "":
		// The step owns the Env until it returns; cleaning up under it
		// would race it. Leave as soon as it is done.
		m.quitting = true
		m.status = m.tr("quitting when this step is done…", "このステップが終わりしだい終了します…")
	case key.Matches(msg, k.Quit):
		if msg.String() != "ctrl+c" && m.running == "" && m.env.LiveObjects() > 0 {
			m.confirm = true
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(+1)
	case key.Matches(msg, k.Next):
		m.setCursor(m.cursor + 1)
	case key.Matches(msg, k.Prev):
		m.setCursor(m.cursor - 1)
	case key.Matches(msg, k.Tab):
		m.focus = m.nextPanel()
		return m.scheduleLive()
	case key.Matches(msg, k.Hint):
		m.hints[m.cur().key()]++
		m.focus = m.textPanelIfHidden()
		m.scroll[panelText] = 1 << 20 // hints come last: show the one just added
	case key.Matches(msg, k.Blank):
		m.blank = true
	case key.Matches(msg, k.Transcript):
		m.noTrans = !m.noTrans
		if m.noTrans && m.focus == panelTranscript {
			m.focus = panelText
		}
	case key.Matches(msg, k.Lang):
		m.toggleLang()
	case m.running != "":
		m.status = m.tr("a step is running…", "ステップを実行中です…")
	case key.Matches(msg, k.Run) && m.cur().ex != nil:
		return m.scheduleExercise() // look again now
	case key.Matches(msg, k.Shell) && m.cur().ex != nil:
		m.status = m.tr("an exercise is done in a terminal of your own; nakami watches the kernel",
			"演習は自分の端末で行います。nakami はカーネルを見ています")
	case key.Matches(msg, k.Run):
		return m.startRun()
	case key.Matches(msg, k.Shell):
		return m.openShell()
	case key.Matches(msg, k.Reset):
		return m.reset()
	case key.Matches(msg, k.Params):
		m.openParams()
	case key.Matches(msg, k.Jump):
		m.picking = m.cursor + 1
	}
	return nil
}

// toggleLang switches between English and Japanese.
func (m *model) toggleLang() {
	m.lang = map[string]string{"en": "ja", "ja": "en"}[m.lang]
	m.prog.Lang = m.lang // the Env learns it when the next step starts
	m.prog.Save()        // and the next start begins in it
	m.keys = newKeyMap(m.lang)
}

// pickKey moves through every step and exercise; enter jumps there and
// runs the step's prerequisites (as --present LESSON/STEP does), esc goes
// back to where the presenter was.
func (m *model) pickKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "esc":
		m.setCursor(m.picking - 1)
		m.picking = 0
	case key.Matches(msg, m.keys.Up):
		m.setCursor(m.cursor - 1)
	case key.Matches(msg, m.keys.Down):
		m.setCursor(m.cursor + 1)
	case key.Matches(msg, m.keys.Run):
		m.picking = 0
		if m.running == "" {
			return m.runPrerequisites()
		}
	}
	return nil
}

// move scrolls the focused panel, or moves the step cursor.
func (m *model) move(d int) {
	if m.focus == panelSteps || (m.focus == panelLive && !m.liveVisible()) {
		m.setCursor(m.cursor + d)
		return
	}
	m.scroll[m.focus] = max(0, min(m.scroll[m.focus], m.scrollMax[m.focus])+d)
}

func (m *model) setCursor(i int) {
	if i < 0 || i >= len(m.items) || i == m.cursor {
		return
	}
	m.cursor = i
	m.scroll[panelText], m.scroll[panelTranscript] = 0, 0
	m.status = "" // it spoke of the step we left
	if !m.wide() && m.focus == panelTranscript && len(m.results[m.cur().key()]) == 0 {
		m.focus = panelText // a step not run yet: its explanation, not an empty transcript
	}
	m.prog.Current = m.cur().key()
	m.prog.Save()
	m.live = liveData{}
}

func (m *model) startRun() tea.Cmd {
	it := m.cur()
	m.running = it.key()
	m.status = ""
	m.env.Lang = m.lang
	env, l, s := m.env, it.lesson, it.step
	run := func() tea.Msg {
		return runDoneMsg{key: it.key(), results: lessons.Run(env, l, s, nil)}
	}
	return tea.Batch(run, m.spin.Tick)
}

func (m *model) runPrerequisites() tea.Cmd {
	it := m.cur()
	if it.ex != nil {
		return nil
	}
	plan := lessons.Plan(it.lesson, it.step)
	if len(plan) < 2 {
		return nil
	}
	var todo []*lessons.Step // what this session has not run yet
	for _, p := range plan[:len(plan)-1] {
		if rs := m.results[it.lesson.ID+"/"+p.ID]; len(rs) == 0 || !rs[len(rs)-1].Passed() {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	m.running = it.key()
	m.env.Lang = m.lang
	env := m.env
	return tea.Batch(func() tea.Msg {
		var rs []lessons.Result
		for _, p := range todo {
			rs = append(rs, lessons.Run(env, it.lesson, p, nil)...)
		}
		return runDoneMsg{key: it.key() + "#prereq", results: rs}
	}, m.spin.Tick)
}

func (m *model) finishRun(msg runDoneMsg) tea.Cmd {
	m.running = ""
	if m.quitting {
		return tea.Quit
	}
	for _, r := range msg.results {
		k := r.Lesson + "/" + r.Step
		m.results[k] = []lessons.Result{r}
		if r.Passed() {
			m.prog.Done[k] = true
		}
	}
	m.prog.Save()
	if !strings.HasSuffix(msg.key, "#prereq") {
		m.results[msg.key] = msg.results
		m.scroll[panelTranscript] = 1 << 20 // the end, where the checks are
		if !m.wide() && !m.sideBySide() {
			m.focus = panelTranscript
		}
	}
	m.status = m.summary(msg.results)
	return m.scheduleLive()
}

func (m *model) summary(rs []lessons.Result) string {
	pass, fail := 0, 0
	for _, r := range rs {
		if r.Unavailable != "" {
			return r.Unavailable
		}
		if r.Error != "" {
			return r.Error
		}
		for _, c := range r.Checks {
			if c.Pass {
				pass++
			} else {
				fail++
			}
		}
	}
	if fail > 0 {
		return m.tr("✗ a check failed", "✗ 失敗したチェックがあります")
	}
	return m.tr("✓ every check passed", "✓ すべてのチェックに合格") + " (" + itoa(pass) + ")"
}

func (m *model) openShell() tea.Cmd {
	m.env.Lang = m.lang // no step is running: the Env is ours
	cmd, types, err := m.env.Shell(m.cur().step)
	if err != nil {
		m.status = err.Error()
		return nil
	}
	m.status = "nsenter " + strings.Join(types, ",")
	return tea.Exec(m.pauseAfter(cmd), func(err error) tea.Msg { return shellDoneMsg{err} })
}

func (m *model) reset() tea.Cmd {
	l := m.cur().lesson
	for k := range m.results {
		if strings.HasPrefix(k, l.ID+"/") {
			delete(m.results, k)
		}
	}
	for k := range m.prog.Done {
		if strings.HasPrefix(k, l.ID+"/") {
			delete(m.prog.Done, k)
		}
	}
	for k := range m.prog.Solved {
		if strings.HasPrefix(k, l.ID+"/") {
			delete(m.prog.Solved, k)
		}
	}
	m.exResult = lessons.ExerciseResult{}
	m.prog.Save()
	m.live = liveData{}
	m.running = "reset"
	env := m.env
	return func() tea.Msg { return resetDoneMsg{env.Reset()} }
}

// Live panel: refreshed twice a second while it is visible,
// not at all when hidden, and never while a step is running (the step owns
// the Env then).
const liveEvery = 500 * time.Millisecond

func (m *model) scheduleLive() tea.Cmd {
	m.liveGen++
	if !m.liveVisible() {
		return nil
	}
	gen := m.liveGen
	return func() tea.Msg { return liveTickMsg{gen} }
}

func (m *model) nextLiveTick() tea.Cmd {
	if !m.liveVisible() {
		return nil
	}
	gen := m.liveGen
	return tea.Tick(liveEvery, func(time.Time) tea.Msg { return liveTickMsg{gen} })
}

func (m *model) fetchLive(gen int) tea.Cmd {
	if gen != m.liveGen || !m.liveVisible() {
		return nil
	}
	if m.running != "" {
		return m.nextLiveTick()
	}
	// Read what the Env knows here, on the event loop; the command below
	// only reads the kernel.
	req := m.liveRequest()
	return func() tea.Msg { return liveMsg{gen, req.read()} }
}

func (m *model) tr(en, ja string) string {
	if m.lang == "ja" {
		return ja
	}
	return en
}

// frameRate caps how often the renderer wakes up to flush a frame. It ticks
// even when nothing changed, so it sets the idle cost: 30 Hz keeps a key
// press within 33 ms of its frame and an idle workbench, with the live
// panel or an exercise's checks running, under 1 % of a core (40 Hz cost
// 0.9–1.0 %, the default 60 Hz about 1.2 %).
const frameRate = 30

// Run opens the workbench and cleans up on every way out. kept says the
// learner chose to leave the session's objects for `nakami cleanup`; lang
// is the language the workbench ended in.
func Run(ctx context.Context, o Options) (kept bool, lang string, err error) {
	env, err := lessons.Open(ctx, o.Lang)
	if err != nil {
		return false, o.Lang, err
	}
	m := newModel(env, o)
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(frameRate)}
	if o.NoColor {
		opts = append(opts, tea.WithColorProfile(noColorProfile))
	}
	defer func() {
		if p := recover(); p != nil {
			env.Finish(false)
			panic(p)
		}
	}()
	final, err := tea.NewProgram(m, opts...).Run()
	keep, lang := false, m.lang
	if fm, ok := final.(*model); ok {
		keep, lang = fm.keep, fm.lang
	}
	ferr := env.Finish(keep)
	if err == nil {
		err = ferr
	}
	return keep, lang, err
}
