export { emptyQcow2 } from './images';
export { type FactorySimulator, startFactorySimulator } from './server';
