package lessons

// The filesystem lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// fsExercises follow the lesson's steps, in this order.
var fsExercises = []*Exercise{}
