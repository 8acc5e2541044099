FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit
COPY . .
RUN npm run build
ENV HOST=0.0.0.0
EXPOSE 3000 12111
CMD ["npm", "start"]
