// Renderer entry: one Vue app with Pinia; everything else lives in components, stores and vtk/.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import './theme.css';

createApp(App).use(createPinia()).mount('#app');
