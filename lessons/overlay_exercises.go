package lessons

// The overlay lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// ovExercises follow the lesson's steps, in this order.
var ovExercises = []*Exercise{}
