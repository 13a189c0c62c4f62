"""One short workflow per verb that makes or scores a run (train, evaluate, compress), each a readable
sequence of the stages in vertune.stages. The api verbs call these."""
