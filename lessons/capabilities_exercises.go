package lessons

// The capabilities lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// capsExercises follow the lesson's steps, in this order.
var capsExercises = []*Exercise{}
