"""The reporting checklist: item definitions, per-paper answers, the published survey, scores, reviews.

Modules: items (the definition file's schema), answers (papers/<key>/checklist.yaml), survey (the (Mis)Fitting
survey sheet), automatic (answers the replication decides), assess (every answer with its source), scoring
(the compliance score), heatmap (the figure), report_section (tables and page sections), scaffold (new papers),
review (report/reviews/<key>.md).
"""
