/**
 * Reads ops/finops/budgets.yml (seed 001, Appendix AC.1). The seed writes alerts either as a list
 * of numbers or as `- threshold: 70`; both are accepted so the file can be pasted from the seed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repositoryRoot } from '../constructs/rastup-function.construct.ts';

export const budgetsFilePath = join(repositoryRoot, 'ops', 'finops', 'budgets.yml');

const threshold = z.number().positive().max(1000);

const budgetSchema = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'kebab-case budget names'),
  amount_usd: z.number().positive(),
  tag: z.string().regex(/^[A-Za-z0-9_.:/=+\-@]+:[A-Za-z0-9_.:/=+\-@ ]+$/, 'key:value'),
  alerts: z.array(z.union([threshold, z.object({ threshold }).transform((alert) => alert.threshold)])).min(1),
});

const fileSchema = z.object({
  budgets: z.array(budgetSchema).min(1),
  anomaly_detection: z.object({ impact_percent_at_least: z.number().positive() }).optional(),
});

export interface BudgetDefinition {
  readonly name: string;
  readonly amountUsd: number;
  readonly tagKey: string;
  readonly tagValue: string;
  readonly alertPercents: readonly number[];
}

export interface BudgetsFile {
  readonly budgets: readonly BudgetDefinition[];
  readonly anomalyImpactPercent?: number;
}

export function parseBudgetsYaml(text: string): BudgetsFile {
  const parsed = fileSchema.parse(parse(text));
  return {
    budgets: parsed.budgets.map((budget) => {
      const separator = budget.tag.indexOf(':');
      return {
        name: budget.name,
        amountUsd: budget.amount_usd,
        tagKey: budget.tag.slice(0, separator),
        tagValue: budget.tag.slice(separator + 1),
        alertPercents: [...new Set(budget.alerts)].sort((a, b) => a - b),
      };
    }),
    anomalyImpactPercent: parsed.anomaly_detection?.impact_percent_at_least,
  };
}

export function loadBudgetsFile(path = budgetsFilePath): BudgetsFile {
  return parseBudgetsYaml(readFileSync(path, 'utf8'));
}
