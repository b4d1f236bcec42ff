# Reference for the weighted Kaplan-Meier helper in wsa_eval.survival.jdl:
# survival::survfit with case weights and robust = TRUE (infinitesimal jackknife variance).
# Run from the repository root:
#   Rscript tests/reference/survival_jdl/weighted_km_rossi.R /work/shared/data/reference/rossi.csv
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(if (length(args)) args[1] else "../shared/data/reference/rossi.csv")
d$w <- 1 + 0.5 * d$fin + 0.02 * d$prio   # arbitrary positive case weights
out <- list()
for (wt in c("none", "w")) for (h in c(20, 30, 52)) {
  ww <- if (wt == "none") rep(1, nrow(d)) else d$w
  fit <- survfit(Surv(week, arrest) ~ 1, data = d, weights = ww, robust = TRUE)
  s <- summary(fit, times = h)
  out[[length(out) + 1]] <- data.frame(weights = wt, horizon = h, surv = s$surv,
                                       std_err_surv = s$std.err)
}
res <- do.call(rbind, out)
print(res, digits = 12)
write.csv(res, "tests/reference/survival_jdl/weighted_km_rossi.csv", row.names = FALSE)
