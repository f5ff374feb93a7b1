// What Nx loads (nx.json `plugins`): the plugin's name, its project inference and its dependencies.
export { createDependencies, createNodes, createNodesV2, name } from './plugin';
