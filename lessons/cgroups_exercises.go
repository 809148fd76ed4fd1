package lessons

// The cgroups lesson's exercises: tasks the learner does by hand, seen in
// the kernel (read-only).

// cgroupsExercises follow the lesson's steps, in this order.
var cgroupsExercises = []*Exercise{}
