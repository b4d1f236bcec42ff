# Censored and entered counts of wsa_eval's Kaplan-Meier table, from R survival 3.5-3.
#
# wsa_eval's kaplan_meier table has one row per event time t_j. Its n_censored counts the
# people censored from t_j until the next event time (the last row: from t_j on); with
# delayed entry, n_entered counts the people who entered after the previous event time and by
# t_j (the first row: every entry before it). R's survfit has a row at every time with
# n.censor (censored at exactly that time); this script sums R's rows into wsa_eval's
# intervals. R's survfit reports no entry counts for (start, stop] data, so n_entered is
# counted here from the data (entries in [t_(j-1), t_j)), and R's n.risk checks it:
# n.risk[j] = n.risk[j-1] - n.event[j-1] - n_censored[j-1] + n_entered[j].
# For tests/survival/test_km_reference.py::test_censored_and_entered_counts_match_r.
# Data: Rossi, Berk & Lenihan (1980), as shipped in src/wsa_eval/datasets/data/rossi.csv; the
# entry and weight columns are the artificial ones of make_reference.R.
# Run from the repository root:  Rscript tests/reference/survival_core/km_interval_counts.R
suppressPackageStartupMessages(library(survival))
out <- "tests/reference/survival_core"
rossi <- read.csv("src/wsa_eval/datasets/data/rossi.csv")
rossi$wi <- 1 + (rossi$id %% 3)
rossi$entry <- pmin(rossi$week - 1, rossi$id %% 7)
rows <- list()
intervals <- function(case, fit, entry = NULL) {
  st <- if (is.null(fit$strata)) rep("", length(fit$time)) else
    rep(names(fit$strata), fit$strata)
  for (g in unique(st)) {
    k <- st == g
    time <- fit$time[k]; ev <- fit$n.event[k]; ce <- fit$n.censor[k]
    tj <- time[ev > 0]
    nxt <- c(tj[-1], Inf)
    prev <- c(-Inf, tj[-length(tj)])
    cen <- sapply(seq_along(tj), function(j) sum(ce[time >= tj[j] & time < nxt[j]]))
    ent <- if (is.null(entry)) rep(0, length(tj)) else
      sapply(seq_along(tj), function(j) sum(entry >= prev[j] & entry < tj[j]))
    nr <- fit$n.risk[k][ev > 0]
    stopifnot(all(abs(nr[-1] - (nr[-length(nr)] - ev[ev > 0][-length(nr)] -
                                 cen[-length(nr)] + ent[-1])) < 1e-9))
    rows[[length(rows) + 1]] <<- data.frame(case = case, group = g, time = tj,
                                             n_censored = cen, n_entered = ent)
  }
}
intervals("fin", survfit(Surv(week, arrest) ~ fin, data = rossi))
intervals("fin_weights", survfit(Surv(week, arrest) ~ fin, data = rossi, weights = wi))
intervals("entry", survfit(Surv(entry, week, arrest) ~ 1, data = rossi), rossi$entry)
res <- do.call(rbind, rows)
write.csv(res, file.path(out, "km_interval_counts.csv"), row.names = FALSE)
