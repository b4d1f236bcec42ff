# Reference values for wsa_eval's core survival functions, from R's survival package.
#
# Data: Rossi, Berk & Lenihan (1980) recidivism experiment, src/wsa_eval/datasets/data/rossi.csv
# (432 men, week of first arrest within 52 weeks). Derived columns below (cluster, weights,
# entry, episode splits) are artificial and only exercise the code paths.
#
# Run from the repository root:
#   Rscript tests/reference/survival_core/make_reference.R [path/to/rossi.csv]
# Output: CSV files beside this script. coxph is run with eps = 1e-13 so the reference
# coefficients are converged far beyond the 1e-6 test tolerance.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args)) args[1] else "src/wsa_eval/datasets/data/rossi.csv"
out <- "tests/reference/survival_core"
rossi <- read.csv(path)
rossi$clus <- (rossi$id - 1) %/% 4             # 108 artificial clusters of 4
rossi$w <- 0.5 + (rossi$id %% 5) / 4            # non-integer case weights
rossi$wi <- 1 + (rossi$id %% 3)                # integer case weights
rossi$entry <- pmin(rossi$week - 1, rossi$id %% 7)  # artificial delayed entry
rossi$prio3 <- cut(rossi$prio, c(-1, 1, 4, 100), labels = c("0-1", "2-4", "5+"))
# (the tests rebuild these derived columns and the episode split in Python)

ctl <- coxph.control(eps = 1e-13, iter.max = 100, toler.chol = 1e-14)
covs <- "fin + age + race + wexp + mar + paro + prio"
rows <- list()
add <- function(case, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                           value = as.numeric(value))
}
cox_out <- function(case, fit, zph = TRUE) {
  b <- coef(fit)
  add(case, "coef", names(b), b)
  add(case, "se", names(b), sqrt(diag(fit$var)))
  if (!is.null(fit$naive.var)) add(case, "naive_se", names(b), sqrt(diag(fit$naive.var)))
  add(case, "loglik_null", "", fit$loglik[1])
  add(case, "loglik", "", fit$loglik[2])
  add(case, "score_test", "", fit$score)
  add(case, "wald_test", "", fit$wald.test)
  add(case, "concordance", "", fit$concordance["concordance"])
  add(case, "concordance_se", "", fit$concordance["std"])
  if (zph) for (tr in c("km", "rank", "identity")) {
    z <- cox.zph(fit, transform = tr)
    add(case, paste0("zph_", tr, "_chisq"), rownames(z$table), z$table[, "chisq"])
    add(case, paste0("zph_", tr, "_p"), rownames(z$table), z$table[, "p"])
  }
}
fml <- function(rhs, lhs = "Surv(week, arrest)") as.formula(paste(lhs, "~", rhs))

for (ties in c("efron", "breslow")) {
  f <- coxph(fml(covs), data = rossi, ties = ties, control = ctl)
  cox_out(paste0("plain_", ties), f)
  z <- cox.zph(f)
  write.csv(data.frame(x = z$x, time = z$time, unname(z$y)),
            file.path(out, paste0("zph_y_", ties, ".csv")), row.names = FALSE)
  fr <- coxph(fml(covs), data = rossi, ties = ties, robust = TRUE, control = ctl)
  cox_out(paste0("robust_", ties), fr, zph = FALSE)
  sr <- residuals(f, type = "score")
  write.csv(sr, file.path(out, paste0("score_resid_", ties, ".csv")), row.names = FALSE)
  fc <- coxph(fml(covs), data = rossi, ties = ties, cluster = clus, control = ctl)
  cox_out(paste0("cluster_", ties), fc, zph = FALSE)
  fs <- coxph(fml("fin + age + race + mar + paro + prio + strata(wexp)"), data = rossi,
              ties = ties, control = ctl)
  cox_out(paste0("strata_", ties), fs)
  fw <- coxph(fml(covs), data = rossi, ties = ties, weights = w, robust = TRUE, control = ctl)
  cox_out(paste0("weights_", ties), fw, zph = FALSE)
  # integer weights: R keeps model-based standard errors (non-integer weights make R
  # switch to robust ones by default)
  fwn <- coxph(fml(covs), data = rossi, ties = ties, weights = wi, control = ctl)
  cox_out(paste0("weightsnaive_", ties), fwn)
  fe <- coxph(fml(covs, "Surv(entry, week, arrest)"), data = rossi, ties = ties, control = ctl)
  cox_out(paste0("entry_", ties), fe)
}

# start/stop: split each man's follow-up at weeks 10, 20, 30, 40 and add a covariate that
# changes over time (prior convictions counted only from week 20 on)
sp <- survSplit(Surv(week, arrest) ~ ., data = rossi, cut = c(10, 20, 30, 40),
                episode = "ep", start = "tstart", end = "tstop")
sp$prio_late <- sp$prio * (sp$tstart >= 20)
for (ties in c("efron", "breslow")) {
  f <- coxph(fml(paste(covs, "+ prio_late"), "Surv(tstart, tstop, arrest)"), data = sp,
             ties = ties, control = ctl)
  cox_out(paste0("startstop_", ties), f)
  fcl <- coxph(fml(paste(covs, "+ prio_late"), "Surv(tstart, tstop, arrest)"), data = sp,
               ties = ties, cluster = id, control = ctl)
  cox_out(paste0("startstopcluster_", ties), fcl, zph = FALSE)
  fst <- coxph(fml("fin + age + race + mar + paro + prio + prio_late + strata(wexp)",
                   "Surv(tstart, tstop, arrest)"), data = sp, ties = ties, weights = w,
               cluster = id, control = ctl)
  cox_out(paste0("startstopall_", ties), fst)
}

# log-rank (survdiff, rho = 0)
lr <- function(case, fit) {
  add(case, "chisq", "", fit$chisq)
  add(case, "df", "", length(fit$n) - 1)
  add(case, "observed", names(fit$n), if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs)
  add(case, "expected", names(fit$n), if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp)
  add(case, "var", "", as.vector(fit$var))
}
lr("logrank_fin", survdiff(Surv(week, arrest) ~ fin, data = rossi))
lr("logrank_prio3", survdiff(Surv(week, arrest) ~ prio3, data = rossi))
lr("logrank_fin_strata", survdiff(Surv(week, arrest) ~ fin + strata(wexp, mar), data = rossi))

# Kaplan-Meier
km <- function(case, fit) {
  s <- summary(fit, censored = FALSE)
  g <- if (is.null(s$strata)) rep("", length(s$time)) else as.character(s$strata)
  write.csv(data.frame(group = g, time = s$time, n_at_risk = s$n.risk, n_events = s$n.event,
                       estimate = s$surv, std_error = s$std.err, ci_low = s$lower,
                       ci_high = s$upper),
            file.path(out, paste0(case, ".csv")), row.names = FALSE)
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  nm <- if (is.null(rownames(tab))) "" else rownames(tab)
  add(case, "median", nm, tab[, "median"])
  add(case, "median_low", nm, tab[, grep("LCL", colnames(tab))])
  add(case, "median_high", nm, tab[, grep("UCL", colnames(tab))])
}
for (ct in c("log-log", "log", "plain")) {
  km(paste0("km_all_", ct), survfit(Surv(week, arrest) ~ 1, data = rossi, conf.type = ct))
  km(paste0("km_fin_", ct), survfit(Surv(week, arrest) ~ fin, data = rossi, conf.type = ct))
}
# integer weights: R uses Greenwood with weighted counts
km("km_weights_log-log", survfit(Surv(week, arrest) ~ fin, data = rossi, weights = wi,
                                 conf.type = "log-log"))
# non-integer weights: R's default is then the infinitesimal-jackknife (robust) variance
km("km_ipw_log-log", survfit(Surv(week, arrest) ~ fin, data = rossi, weights = w,
                             conf.type = "log-log"))
km("km_ipwentry_log", survfit(Surv(entry, week, arrest) ~ 1, data = rossi, weights = w,
                              conf.type = "log"))
km("km_entry_log-log", survfit(Surv(entry, week, arrest) ~ 1, data = rossi,
                               conf.type = "log-log"))
km("km_prio3_log-log", survfit(Surv(week, arrest) ~ prio3, data = rossi,
                               conf.type = "log-log"))
# a curve whose median falls exactly on a flat 0.5 (R averages two times): 10 people
toy <- data.frame(t = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), e = c(1, 1, 1, 1, 1, 0, 1, 1, 1, 1))
km("km_toy_log-log", survfit(Surv(t, e) ~ 1, data = toy, conf.type = "log-log"))
write.csv(toy, file.path(out, "toy.csv"), row.names = FALSE)
# medians that are reached: NCCTG lung cancer data shipped with R's survival package
# (Loprinzi et al. 1994), status recoded 1 = death, 0 = censored
lung2 <- data.frame(time = lung$time, status = as.integer(lung$status == 2), sex = lung$sex)
write.csv(lung2, file.path(out, "lung.csv"), row.names = FALSE)
for (ct in c("log-log", "log", "plain")) {
  km(paste0("km_lung_", ct), survfit(Surv(time, status) ~ sex, data = lung2, conf.type = ct))
  km(paste0("km_lungall_", ct), survfit(Surv(time, status) ~ 1, data = lung2, conf.type = ct))
}
f <- survfit(Surv(time, status) ~ sex, data = lung2)
for (tau in c(365, 700)) {
  tab <- summary(f, rmean = tau)$table
  add(paste0("rmst_lung_", tau), "rmean", rownames(tab), tab[, "rmean"])
  add(paste0("rmst_lung_", tau), "se", rownames(tab), tab[, "se(rmean)"])
}

# RMST (print(survfit, rmean = tau): area under KM up to tau and its Greenwood-type se)
for (tau in c(30, 52)) {
  f <- survfit(Surv(week, arrest) ~ fin, data = rossi)
  tab <- summary(f, rmean = tau)$table
  add(paste0("rmst_fin_", tau), "rmean", rownames(tab), tab[, "rmean"])
  add(paste0("rmst_fin_", tau), "se", rownames(tab), tab[, "se(rmean)"])
  f1 <- survfit(Surv(week, arrest) ~ 1, data = rossi)
  tab1 <- summary(f1, rmean = tau)$table
  add(paste0("rmst_all_", tau), "rmean", "", tab1["rmean"])
  add(paste0("rmst_all_", tau), "se", "", tab1["se(rmean)"])
}

res <- do.call(rbind, rows)
write.csv(res, file.path(out, "reference_values.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("survival", packageVersion("survival"))),
           file.path(out, "R_VERSION.txt"))
