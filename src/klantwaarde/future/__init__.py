"""Future value: what each customer will be worth (contracts §4).

`occasions` turns invoice days into the repeat-purchase summary (frequency, recency,
tenure, monetary value); `bgnbd` and `gamma_gamma` fit the models of Fader, Hardie & Lee
by maximum likelihood; `clv` discounts the expected contribution; `holdout` checks the
model on the last weeks it did not see; `step` runs it all nightly and writes the mart.
"""
