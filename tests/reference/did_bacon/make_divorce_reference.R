# Expected values for tests/did/test_bacon_divorce.py (Goodman-Bacon decomposition with
# units treated before the data start kept as an "always treated" comparison group).
#
# Data: the `divorce` data of the R package bacondecomp (Flack & Jee, MIT licence; data from
# Stevenson & Wolfers 2006, QJE 121(1)), women only (sex == 2), 51 states x 1964-1996.
# Run from this folder with the package's data file:
#     Rscript make_divorce_reference.R path/to/bacondecomp/data/divorce.rda
# It writes divorce_women.csv (the columns the test needs) and divorce_reference.json.
#
# Independent of wsa_eval: the TWFE coefficient is lm() with state and year dummies on the
# whole panel; every 2x2 estimate is its own lm() with unit and year dummies on the 2x2
# subsample (not the closed form of means the library uses); the weights are Goodman-Bacon
# (2021, J. Econometrics 225(2)) equations (10a)-(10c), with units treated before 1964 as an
# untreated group U whose treatment never changes (his Section 3).  Base R only.
args <- commandArgs(trailingOnly = TRUE)
load(args[1])
d <- divorce[divorce$sex == 2, c("st", "year", "unilateral", "divyear",
                                 "suiciderate_elast_jag")]
d <- d[order(d$st, d$year), ]
write.csv(d, "divorce_women.csv", row.names = FALSE)

y <- "suiciderate_elast_jag"
T0 <- min(d$year); years <- sort(unique(d$year)); nT <- length(years)
first <- tapply(ifelse(d$unilateral == 1, d$year, NA), d$st,
                function(v) if (all(is.na(v))) Inf else min(v, na.rm = TRUE))
d$g <- first[d$st]
full <- lm(as.formula(paste(y, "~ unilateral + factor(st) + factor(year)")), data = d)
twfe <- unname(coef(full)["unilateral"])
# TWFE after dropping the always-treated states (what wsa_eval did before)
sub <- d[d$g > T0, ]
twfe_dropped <- unname(coef(lm(as.formula(paste(y, "~ unilateral + factor(st) + factor(year)")),
                               data = sub))["unilateral"])

N <- length(unique(d$st))
share <- function(g) sum(first == g) / N
Dbar <- function(g) if (is.infinite(g)) 0 else mean(years >= g)   # 1 for always treated
dd_lm <- function(s) unname(coef(lm(as.formula(paste(y, "~ D + factor(st) + factor(year)")),
                                    data = s))["D"])
groups <- sort(unique(first))
timing <- groups[is.finite(groups) & groups > T0]
untreated <- groups[is.infinite(groups) | groups <= T0]
# variance of the two-way demeaned treatment dummy in the whole panel
Dtil <- resid(lm(unilateral ~ factor(st) + factor(year), data = d))
VD <- mean(Dtil^2)
rows <- list()
for (k in timing) {
  nk <- share(k); Dk <- Dbar(k)
  for (u in untreated) {  # (10a): k against an untreated (never or always treated) group
    nu <- share(u); nku <- nk / (nk + nu)
    s <- d[d$g %in% c(k, u), ]; s$D <- as.numeric(s$g == k & s$year >= k)
    w <- (nk + nu)^2 * nku * (1 - nku) * Dk * (1 - Dk) / VD
    rows[[length(rows) + 1]] <- data.frame(
      type = if (is.infinite(u)) "Treated vs Untreated" else "Later vs Always Treated",
      treated_cohort = k, control_cohort = if (is.infinite(u)) Inf else T0,
      estimate = dd_lm(s), weight = w)
  }
  for (l in timing[timing > k]) {
    nl <- share(l); Dl <- Dbar(l); nkl <- nk / (nk + nl)
    s <- d[d$g %in% c(k, l) & d$year < l, ]; s$D <- as.numeric(s$g == k & s$year >= k)
    w <- ((nk + nl) * (1 - Dl))^2 * nkl * (1 - nkl) * ((Dk - Dl) / (1 - Dl)) *
      ((1 - Dk) / (1 - Dl)) / VD                                      # (10b)
    rows[[length(rows) + 1]] <- data.frame(type = "Earlier vs Later Treated",
      treated_cohort = k, control_cohort = l, estimate = dd_lm(s), weight = w)
    s <- d[d$g %in% c(k, l) & d$year >= k, ]; s$D <- as.numeric(s$g == l & s$year >= l)
    w <- ((nk + nl) * Dk)^2 * nkl * (1 - nkl) * (Dl / Dk) * ((Dk - Dl) / Dk) / VD  # (10c)
    rows[[length(rows) + 1]] <- data.frame(type = "Later vs Earlier Treated",
      treated_cohort = l, control_cohort = k, estimate = dd_lm(s), weight = w)
  }
}
tab <- do.call(rbind, rows)
recon <- sum(tab$estimate * tab$weight)
cat(sprintf("TWFE (lm, all states) %.10f\nTWFE (always-treated dropped) %.10f\n", twfe,
            twfe_dropped))
cat(sprintf("sum of weights %.12f; weighted sum of 2x2s %.10f\n", sum(tab$weight), recon))
by_type <- aggregate(cbind(weight, we = weight * estimate) ~ type, data = tab, FUN = sum)
by_type$avg_estimate <- by_type$we / by_type$weight
print(by_type[, c("type", "weight", "avg_estimate")], digits = 10)
num <- function(v) ifelse(is.infinite(v), "\"inf\"", sprintf("%.15g", v))
rowsj <- sprintf("    {\"type\": \"%s\", \"treated_cohort\": %s, \"control_cohort\": %s, \"estimate\": %.15g, \"weight\": %.15g}",
                 tab$type, num(tab$treated_cohort), num(tab$control_cohort), tab$estimate,
                 tab$weight)
json <- paste0("{\n  \"source\": \"make_divorce_reference.R (", R.version.string, ")\",\n",
               sprintf("  \"twfe\": %.15g,\n  \"twfe_always_treated_dropped\": %.15g,\n",
                       twfe, twfe_dropped),
               sprintf("  \"n_states\": %d,\n  \"n_always_treated\": %d,\n", N,
                       sum(first <= T0)),
               "  \"two_by_twos\": [\n", paste(rowsj, collapse = ",\n"), "\n  ]\n}\n")
writeLines(json, "divorce_reference.json")
