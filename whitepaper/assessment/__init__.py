"""Self-evaluation: assessments of a planning system against an approved model version, consensus-workshop
ratings, evidence, the submit/validate/publish workflow, exact scoring (`scoring`, pure) and the scorecard."""
