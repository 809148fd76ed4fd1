package lessons

// The network lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// netExercises follow the lesson's steps, in this order.
var netExercises = []*Exercise{}
