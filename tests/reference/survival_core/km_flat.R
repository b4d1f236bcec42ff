# Kaplan-Meier curves without events (R survival 3.5-3): survfit draws them flat at 1.
# For tests/survival/test_km_inputs.py::test_flat_curves_match_r.
# Run from the repository root:  Rscript tests/reference/survival_core/km_flat.R
suppressPackageStartupMessages(library(survival))
out <- "tests/reference/survival_core"
d <- data.frame(t = c(2, 3, 3, 5, 8, 9, 4, 6, 7, 10),
                e = c(1, 0, 1, 1, 0, 1, 0, 0, 0, 0),
                g = c("a", "a", "a", "a", "a", "a", "b", "b", "b", "b"))
rows <- list()
for (ct in c("log-log", "log", "plain")) {
  for (case in c("by_group", "all_censored")) {
    f <- if (case == "by_group") survfit(Surv(t, e) ~ g, data = d, conf.type = ct)
         else survfit(Surv(t, e) ~ 1, data = d[d$g == "b", ], conf.type = ct)
    s <- summary(f, times = c(1, 4, 6, 7), extend = TRUE)
    g <- if (is.null(s$strata)) rep("all", length(s$time)) else sub("g=", "", s$strata)
    rows[[length(rows) + 1]] <- data.frame(case = case, conf_type = ct, group = g,
      time = s$time, n_at_risk = s$n.risk, estimate = s$surv, std_error = s$std.err,
      ci_low = s$lower, ci_high = s$upper)
  }
}
res <- do.call(rbind, rows)
print(res)
write.csv(res, file.path(out, "km_flat.csv"), row.names = FALSE)
