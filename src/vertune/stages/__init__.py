"""The stages a run is made of: functions with typed inputs and outputs that the workflows
(`vertune.workflows`: train, evaluate, compress; later continue) call in order.

    data.py       recipe -> task (defaults resolved); files -> validated splits; vocabulary; features
    rundir.py     open a run (new, resumed, replaced) or a derived run from a parent; write its files
    fit.py        train the model (train/fit.py) and save it into model/
    score.py      score the model as saved (what a user loads); tune the task's decisions on validation
    baselines.py  the recipe's baselines on the same splits and features
    metrics.py    metrics.json (built in one place, validated by vertune.metrics_schema) and the report
    tracking.py   `training.report_to` checked; the final scores as scalars for the trackers
                  (MLflow: `vertune.tracking.track_run`, each workflow's last stage)
    check.py      `vertune data check` (files, [UNK] share, --fix) without a run
    predict.py    `vertune predict` for texts, pairs and files
    timing.py     `stage(name, on_event)`: StageStarted / StageFinished events around a stage

Every stage reports through `on_event` (vertune.events), never by printing.
"""
