# Reference values for tests/national/test_ppml.py (stored in reference_values.json).
# They were produced by R etwfe's own test suite with R fixest (github.com/grantmcdermott/etwfe,
# inst/tinytest/test_etwfe.R and test_emfx.R); R fixest is not installable in this project's
# environment, so the numbers are copied from there with their source. To regenerate:
#   install.packages(c("etwfe", "did"))
library(etwfe)
data("mpdta", package = "did")
mpdta$emp <- exp(mpdta$lemp)
m3p <- etwfe(emp ~ lpop, tvar = year, gvar = first.treat, data = mpdta,
             vcov = ~countyreal, family = "poisson")
print(fixest::coeftable(m3p), digits = 15)          # -> "m3p_coeftable"
print(emfx(m3p, type = "event"), digits = 15)         # -> "event_pois_response"
print(emfx(m3p, type = "event", predict = "link"), digits = 15)   # -> "event_pois_link"
# wsa_eval's names: "treat::G:T" = .Dtreat:first.treat::G:year::T, "cohort::G:lpop" =
# first.treat::G:lpop, "time::T" = year::T, "time::T:lpop" = year::T:lpop.
