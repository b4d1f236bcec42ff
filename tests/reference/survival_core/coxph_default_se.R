# Which standard errors R's coxph reports by default (survival 3.5-3), for
# tests/survival/test_cox_inputs.py::test_default_standard_errors_match_r.
# coxph's code: robust defaults to TRUE when there is a cluster() term or the case weights are
# not whole numbers (any(weights != floor(weights))), FALSE otherwise.
# Run from the repository root:
#   Rscript tests/reference/survival_core/coxph_default_se.R
suppressPackageStartupMessages(library(survival))
out <- "tests/reference/survival_core"
d <- data.frame(t = c(5, 3, 8, 2, 9, 4, 7, 6), e = c(1, 0, 1, 1, 0, 1, 1, 0),
                x = c(0.5, 1.2, -0.3, 2.0, 0.1, -1.0, 0.7, 0.0),
                w = c(0.5, 1.5, 1, 1, 2.5, 1, 1, 1), wi = c(1, 2, 1, 1, 3, 1, 1, 1))
ctl <- coxph.control(eps = 1e-13, iter.max = 100, toler.chol = 1e-14)
rows <- list()
for (wt in c("w", "wi")) for (ties in c("efron", "breslow")) {
  f <- coxph(Surv(t, e) ~ x, data = d, weights = d[[wt]], ties = ties, control = ctl)
  rows[[length(rows) + 1]] <- data.frame(
    weights = wt, ties = ties, coef = unname(coef(f)), se = sqrt(f$var[1, 1]),
    naive_se = if (is.null(f$naive.var)) sqrt(f$var[1, 1]) else sqrt(f$naive.var[1, 1]),
    robust = !is.null(f$naive.var))
}
res <- do.call(rbind, rows)
print(res, digits = 15)
write.csv(res, file.path(out, "coxph_default_se.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
