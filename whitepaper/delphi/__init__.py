"""The technical committees' pseudo-Delphi: `committees` (committees, members, invitations) and `stats` (pure)
at the base; two wings above them, `rounds/` (rounds, answers, the codebook, closed items, feedback) and
`ballots/` (the virtual votes); `views`, `api` and `results` compose the two wings for the committee pages."""
