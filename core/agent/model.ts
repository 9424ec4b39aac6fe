/**
 * Where packs written before the step layout import the model types from
 * (`local-model.ts`: `../../core/agent/model.js`). Kept so those packs build
 * unchanged; new code imports `core/model/model.ts`.
 */
export * from '../model/model.js';
