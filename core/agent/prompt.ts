/**
 * Where packs written before the step layout import `readPlanningContext`
 * from (`local-model.ts`: `../../core/agent/prompt.js`). Kept so those packs
 * build unchanged; new code imports `core/steps/plan/prompt.ts`.
 */
export * from '../steps/plan/prompt.js';
