package lessons

// The first-container lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// fcExercises follow the lesson's steps, in this order.
var fcExercises = []*Exercise{}
