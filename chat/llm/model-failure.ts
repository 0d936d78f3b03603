// A model request that failed in a way the user should read (kept apart from
// gemini-chat.ts so code that only catches it does not load the Gemini SDK).
export class ModelFailure extends Error {}
