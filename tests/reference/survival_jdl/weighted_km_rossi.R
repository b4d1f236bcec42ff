# Reference for the weighted Kaplan-Meier / RMST helper in wsa_eval.survival.jdl:
# survival::survfit with case weights and robust = TRUE (infinitesimal jackknife variance).
# S(t) and its standard error come from summary(fit, times = h); the RMST to h and its robust
# standard error are computed from survfit's own influence matrix (influence = TRUE):
# IF_i(RMST) = sum_k influence.surv[i, k] * (width of the k-th step below h).
# Run from the repository root:
#   Rscript tests/reference/survival_jdl/weighted_km_rossi.R [path/to/rossi.csv]
# (default: the copy shipped in src/wsa_eval/datasets/data)
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(if (length(args)) args[1] else "src/wsa_eval/datasets/data/rossi.csv")
d$w <- 1 + 0.5 * d$fin + 0.02 * d$prio   # arbitrary positive case weights
out <- list()
for (wt in c("none", "w")) for (h in c(20, 30, 52)) {
  ww <- if (wt == "none") rep(1, nrow(d)) else d$w
  fit <- survfit(Surv(week, arrest) ~ 1, data = d, weights = ww, robust = TRUE,
                 influence = TRUE)
  s <- summary(fit, times = h)
  tt <- fit$time
  k <- which(tt < h)
  widths <- diff(c(tt[k], h))
  rmst <- tt[k][1] + sum(fit$surv[k] * widths)
  ifr <- fit$influence.surv[, k, drop = FALSE] %*% widths
  rm_tab <- summary(fit, rmean = h)$table
  out[[length(out) + 1]] <- data.frame(weights = wt, horizon = h, surv = s$surv,
                                       std_err_surv = s$std.err, rmst = rmst,
                                       std_err_rmst = sqrt(sum(ifr^2)),
                                       survfit_rmean = rm_tab[["rmean"]])
}
res <- do.call(rbind, out)
print(res, digits = 12)
write.csv(res, "tests/reference/survival_jdl/weighted_km_rossi.csv", row.names = FALSE)
