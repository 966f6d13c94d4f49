export { formatGeneration, GENERATION_FILE, nextGeneration, parseGeneration, type GenerationResult } from './generation.js';
export { loadOrCreateUuid, randomUuid, UUID_FILE, UUID_LENGTH, uuidFromNodeName, type UuidResult } from './uuid.js';
export { glibcRand } from './glibc-random.js';
