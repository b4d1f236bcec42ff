# Reference values for wsa_eval.survival.competing, produced with R cmprsk.
# Run from the repository root:
#   Rscript tests/reference/survival_jdl/cmprsk_mgus2.R [path/to/mgus2_cr.csv]
# (default: the copy shipped in src/wsa_eval/datasets/data; R packages: cmprsk)
# Writes CSV files beside this script (committed, so the tests need neither R nor cmprsk).
suppressMessages(library(cmprsk))
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args)) args[1] else "src/wsa_eval/datasets/data/mgus2_cr.csv"
out <- "tests/reference/survival_jdl"
d <- read.csv(path)
cat("cmprsk", as.character(packageVersion("cmprsk")), R.version.string, "\n")

# cumulative incidence by sex (cuminc's own step-function output: time, est, var)
flat <- function(ci) {
  ci <- ci[names(ci) != "Tests"]
  do.call(rbind, lapply(names(ci), function(nm) {
    data.frame(curve = nm, time = ci[[nm]]$time, est = ci[[nm]]$est, var = ci[[nm]]$var)
  }))
}
ci_sex <- cuminc(d$etime, d$event, group = d$sex)
write.csv(flat(ci_sex), file.path(out, "cuminc_by_sex.csv"), row.names = FALSE)
tests <- data.frame(cause = rownames(ci_sex$Tests), ci_sex$Tests)
write.csv(tests, file.path(out, "gray_test_by_sex.csv"), row.names = FALSE)
print(ci_sex$Tests)
ci_all <- cuminc(d$etime, d$event)
write.csv(flat(ci_all), file.path(out, "cuminc_overall.csv"), row.names = FALSE)
# Gray's test with rho = 1 as well (weight (1 - F(t-))^rho)
ci_r1 <- cuminc(d$etime, d$event, group = d$sex, rho = 1)
write.csv(data.frame(cause = rownames(ci_r1$Tests), ci_r1$Tests),
          file.path(out, "gray_test_by_sex_rho1.csv"), row.names = FALSE)

# three groups (age bands) and a stratified test (strata = sex), to exercise the K > 2 path
d$ageband <- cut(d$age, c(0, 60, 75, 200), labels = c("a<=60", "b60-75", "c>75"))
ci_age <- cuminc(d$etime, d$event, group = d$ageband)
write.csv(data.frame(cause = rownames(ci_age$Tests), ci_age$Tests),
          file.path(out, "gray_test_by_ageband.csv"), row.names = FALSE)
write.csv(flat(ci_age), file.path(out, "cuminc_by_ageband.csv"), row.names = FALSE)
ci_str <- cuminc(d$etime, d$event, group = d$ageband, strata = d$sex)
write.csv(data.frame(cause = rownames(ci_str$Tests), ci_str$Tests),
          file.path(out, "gray_test_by_ageband_strata_sex.csv"), row.names = FALSE)
print(ci_age$Tests); print(ci_str$Tests)

# Fine-Gray: covariates age (years) and male (1 = M)
X <- cbind(age = d$age, male = as.numeric(d$sex == "M"))
rows <- list()
for (fc in 1:2) for (gt in c(1e-6, 1e-12)) {
  fit <- crr(d$etime, d$event, cov1 = X, failcode = fc, gtol = gt, maxiter = 50)
  rows[[length(rows) + 1]] <- data.frame(
    failcode = fc, gtol = gt, term = names(fit$coef), coef = fit$coef,
    se = sqrt(diag(fit$var)), converged = fit$converged, loglik = fit$loglik)
}
crr_out <- do.call(rbind, rows)
print(crr_out, digits = 12)
write.csv(crr_out, file.path(out, "crr_age_male.csv"), row.names = FALSE)
