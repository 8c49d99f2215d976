"""The consultation rounds of a committee: the open round's three questions, answers under pseudonyms, the
codebook that systemizes them (`codebook`, `codebook_views`), closed rounds' items, feedback and results."""
